"""The .tflite format for the slim tool: a generic reader/writer (flatbuf.py) driven by the schema as data
(schema.py), and model transformations built on it (weights.py: re-encode weights as float16 or int8)."""
