"""The architectures of the generated zoo (small standard nets, Keras 2 / tf_keras). Used by gen_zoo_models.py in
the TensorFlow venv; nothing here is imported by the tests.

Every builder returns an uncompiled ``keras.Model`` with a free batch dimension (shape_signature -1 after
conversion). Weights are set afterwards by gen_zoo_models.seed_weights (seeded, non-trivial biases and norms).
"""
from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

L = keras.layers


def conv_bn(x, filters, k=3, s=1, act="relu6", name=None):
    x = L.Conv2D(filters, k, strides=s, padding="same", use_bias=False, name=name)(x)
    x = L.BatchNormalization()(x)
    return activation(x, act)


def dw_bn(x, k=3, s=1, act="relu6"):
    x = L.DepthwiseConv2D(k, strides=s, padding="same", use_bias=False)(x)
    x = L.BatchNormalization()(x)
    return activation(x, act)


def hard_sigmoid(x):
    return L.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def activation(x, act):
    if act is None:
        return x
    if act == "relu6":
        return L.ReLU(6.0)(x)
    if act == "hswish":
        return L.Multiply()([x, hard_sigmoid(x)])
    if act == "swish":
        return L.Multiply()([x, L.Activation("sigmoid")(x)])
    return L.Activation(act)(x)


def squeeze_excite(x, reduced, gate="sigmoid"):
    c = x.shape[-1]
    s = L.GlobalAveragePooling2D(keepdims=True)(x)
    s = L.Conv2D(reduced, 1, activation="relu")(s)
    s = L.Conv2D(c, 1)(s)
    s = hard_sigmoid(s) if gate == "hard" else L.Activation("sigmoid")(s)
    return L.Multiply()([x, s])


def inverted_residual(x, expand, out, s=1, k=3, act="relu6", se=None):
    inp = x
    c = x.shape[-1]
    if expand != 1:
        x = conv_bn(x, c * expand, 1, act=act)
    x = dw_bn(x, k, s, act=act)
    if se:
        x = squeeze_excite(x, max(4, c * expand // 4), gate=se)
    x = conv_bn(x, out, 1, act=None)
    return L.Add()([inp, x]) if s == 1 and c == out else x


def classifier_head(x, classes=10):
    x = L.GlobalAveragePooling2D()(x)
    return L.Dense(classes, activation="softmax")(x)


def mobilenet_v1():
    i = keras.Input((32, 32, 3))
    x = conv_bn(i, 8, s=2)
    for filters, s in ((16, 1), (32, 2), (32, 1), (64, 2)):
        x = dw_bn(x, s=s)
        x = conv_bn(x, filters, 1)
    return keras.Model(i, classifier_head(x))


def mobilenet_v2():
    i = keras.Input((32, 32, 3))
    x = conv_bn(i, 8, s=2)
    for t, c, s in ((1, 8, 1), (4, 12, 2), (4, 12, 1), (4, 16, 2), (4, 16, 1)):
        x = inverted_residual(x, t, c, s)
    x = conv_bn(x, 64, 1)
    return keras.Model(i, classifier_head(x))


def mobilenet_v3():
    i = keras.Input((32, 32, 3))
    x = conv_bn(i, 8, s=2, act="hswish")
    x = inverted_residual(x, 1, 8, 2, act="relu", se="hard")
    x = inverted_residual(x, 4, 12, 1, act="relu")
    x = inverted_residual(x, 3, 16, 2, k=5, act="hswish", se="hard")
    x = inverted_residual(x, 3, 16, 1, k=5, act="hswish", se="hard")
    x = conv_bn(x, 48, 1, act="hswish")
    x = L.GlobalAveragePooling2D(keepdims=True)(x)
    x = L.Conv2D(64, 1)(x)
    x = activation(x, "hswish")
    x = L.Flatten()(x)
    return keras.Model(i, L.Dense(10, activation="softmax")(x))


def efficientnet():
    i = keras.Input((32, 32, 3))
    x = conv_bn(i, 8, s=2, act="swish")
    x = inverted_residual(x, 1, 8, 1, act="swish", se="sigmoid")
    x = inverted_residual(x, 4, 12, 2, act="swish", se="sigmoid")
    x = inverted_residual(x, 4, 12, 1, k=5, act="swish", se="sigmoid")
    x = inverted_residual(x, 4, 16, 2, k=5, act="swish", se="sigmoid")
    x = conv_bn(x, 64, 1, act="swish")
    return keras.Model(i, classifier_head(x))


def resnet():
    i = keras.Input((32, 32, 3))
    x = conv_bn(i, 16, act="relu")
    x = L.MaxPooling2D(3, 2, padding="same")(x)
    for filters, s in ((16, 1), (16, 1), (32, 2), (32, 1)):
        y = conv_bn(x, filters, s=s, act="relu")
        y = conv_bn(y, filters, act=None)
        if s != 1 or x.shape[-1] != filters:
            x = conv_bn(x, filters, 1, s=s, act=None)
        x = L.ReLU()(L.Add()([x, y]))
    x = L.AveragePooling2D(2)(x)
    x = L.Flatten()(x)
    return keras.Model(i, L.Dense(10, activation="softmax")(x))


def unet():
    i = keras.Input((32, 32, 3))
    e1 = conv_bn(i, 8, act="relu")
    e2 = conv_bn(L.MaxPooling2D()(e1), 16, act="relu")
    b = conv_bn(L.MaxPooling2D()(e2), 32, act="relu")
    d2 = L.Conv2DTranspose(16, 3, strides=2, padding="same")(b)
    d2 = conv_bn(L.Concatenate()([d2, e2]), 16, act="relu")
    d1 = L.UpSampling2D(interpolation="bilinear")(d2)
    side = L.UpSampling2D(size=4, interpolation="nearest")(L.Conv2D(4, 1)(b))
    d1 = conv_bn(L.Concatenate()([d1, e1, side]), 8, act="relu")
    return keras.Model(i, L.Conv2D(1, 1, activation="sigmoid")(d1))


def text_cnn():
    i = keras.Input((24,), dtype="int32")
    x = L.Embedding(100, 16)(i)
    a = L.GlobalMaxPooling1D()(L.Conv1D(24, 3, activation="relu")(x))
    b = L.GlobalMaxPooling1D()(L.Conv1D(24, 5, activation="relu")(x))
    x = L.Concatenate()([a, b])
    return keras.Model(i, L.Dense(4, activation="softmax")(x))


def transformer():
    i = keras.Input((16, 32))
    a = L.MultiHeadAttention(num_heads=2, key_dim=16)(i, i)
    x = L.LayerNormalization()(L.Add()([i, a]))
    f = L.Dense(64, activation=lambda t: tf.nn.gelu(t, approximate=False))(x)
    f = L.Dense(32)(f)
    x = L.LayerNormalization()(L.Add()([x, f]))
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(i, L.Dense(8, activation="softmax")(x))


def lstm():
    """Keras LSTM layers: the converter fuses them into UNIDIRECTIONAL_SEQUENCE_LSTM."""
    i = keras.Input((12, 8), batch_size=1)  # the converter needs a static batch to fuse/lower the loop
    x = L.LSTM(16, return_sequences=True)(i)
    x = L.LSTM(16)(x)
    return keras.Model(i, L.Dense(4)(x))


def lstm_while():
    """A generic RNN around an LSTM cell: not fused; the converter emits a WHILE loop."""
    i = keras.Input((12, 8), batch_size=1)  # the converter needs a static batch to fuse/lower the loop
    x = L.RNN(L.LSTMCell(16))(i)
    return keras.Model(i, L.Dense(4)(x))


def ds_cnn():
    """Keyword spotting DS-CNN (MLPerf Tiny shape, narrower): 49x10 MFCC frames."""
    i = keras.Input((49, 10, 1))
    x = conv_bn(i, 32, (10, 4), s=2, act="relu")
    for _ in range(3):
        x = dw_bn(x, act="relu")
        x = conv_bn(x, 32, 1, act="relu")
    x = L.AveragePooling2D(pool_size=(x.shape[1], x.shape[2]))(x)
    x = L.Flatten()(x)
    return keras.Model(i, L.Dense(12, activation="softmax")(x))


def autoencoder():
    """Anomaly-detection autoencoder (MLPerf Tiny shape, narrower): dense + BN + ReLU."""
    i = keras.Input((128,))
    x = i
    for units in (64, 32, 8, 32, 64):
        x = L.ReLU()(L.BatchNormalization()(L.Dense(units)(x)))
    return keras.Model(i, L.Dense(128)(x))


NETS = {"mobilenet_v1": mobilenet_v1, "mobilenet_v2": mobilenet_v2, "mobilenet_v3": mobilenet_v3,
        "efficientnet": efficientnet, "resnet": resnet, "unet": unet, "text_cnn": text_cnn,
        "transformer": transformer, "lstm": lstm, "lstm_while": lstm_while, "ds_cnn": ds_cnn,
        "autoencoder": autoencoder}
