"""Wheel I/O: check and stream-unpack (reader), deterministic writing (writer), names, metadata.

* :func:`read_wheel` checks a whole wheel before anything else happens (see ``reader``) and can
  unpack it in the same streaming pass; nothing is held in memory.
* :func:`write_wheel` writes a deterministic wheel atomically; :class:`InWheel` modifies one.
* ``metadata`` is the one RECORD/WHEEL/METADATA writer for pruned, stripped and cross-built wheels.
"""
from ..errors import WheelError
from .metadata import record_hash
from .names import check_entry_name, find_clash
from .reader import Member, Wheel, input_file, read_wheel
from .writer import Entry, InWheel, tree_entries, write_wheel

__all__ = ["WheelError", "record_hash", "check_entry_name", "find_clash", "Member", "Wheel",
           "input_file", "read_wheel", "Entry", "InWheel", "tree_entries", "write_wheel"]
