"""Minimal reader for Windows PE files (.exe/.dll/.pyd): machine, exports, imports.

Standard library only, so it can ship inside the Conan recipe (to write a .def of
python3XX.dll's exports) and be used by `slim build` / the tests (to check what a
cross-built .pyd imports). Written from the PE/COFF specification.
"""
import struct

MACHINES = {0x14C: "i386", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C4: "armnt"}
_SCN_EXECUTE = 0x20000000


class PEError(ValueError):
    pass


class PEFile:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:2] != b"MZ":
            raise PEError("%s: not a PE file (no MZ header)" % path)
        pe = struct.unpack_from("<I", d, 0x3C)[0]
        if d[pe:pe + 4] != b"PE\0\0":
            raise PEError("%s: not a PE file (no PE signature)" % path)
        machine, nsect = struct.unpack_from("<HH", d, pe + 4)
        opt_size = struct.unpack_from("<H", d, pe + 20)[0]
        self.characteristics = struct.unpack_from("<H", d, pe + 22)[0]
        opt = pe + 24
        magic = struct.unpack_from("<H", d, opt)[0]
        if magic not in (0x10B, 0x20B):
            raise PEError("%s: unknown optional header magic %#x" % (path, magic))
        self.pe32plus = magic == 0x20B
        self.machine = MACHINES.get(machine, hex(machine))
        ndirs_off = opt + (108 if self.pe32plus else 92)
        ndirs = struct.unpack_from("<I", d, ndirs_off)[0]
        self.dirs = [struct.unpack_from("<II", d, ndirs_off + 4 + 8 * i) for i in range(min(ndirs, 16))]
        self.sections = []
        sect = opt + opt_size
        for i in range(nsect):
            name, vsize, va, rawsize, rawptr = struct.unpack_from("<8sIIII", d, sect + 40 * i)
            chars = struct.unpack_from("<I", d, sect + 40 * i + 36)[0]
            self.sections.append((name.rstrip(b"\0").decode("ascii", "replace"), va,
                                  max(vsize, rawsize), rawptr, rawsize, chars))

    @property
    def is_dll(self):
        return bool(self.characteristics & 0x2000)

    def _section(self, rva):
        for s in self.sections:
            if s[1] <= rva < s[1] + s[2]:
                return s
        return None

    def _off(self, rva):
        s = self._section(rva)
        if s is None:
            raise PEError("RVA %#x outside every section" % rva)
        return s[3] + (rva - s[1])

    def _cstr(self, rva):
        o = self._off(rva)
        return self.data[o:self.data.index(b"\0", o)].decode("ascii", "replace")

    def exports(self):
        """{name: 'code' | 'data' | 'forward'} of the named exports."""
        rva, size = self.dirs[0] if self.dirs else (0, 0)
        if not rva:
            return {}
        o = self._off(rva)
        nfuncs, nnames, afuncs, anames, aords = struct.unpack_from("<IIIII", self.data, o + 20)
        out = {}
        for i in range(nnames):
            name = self._cstr(struct.unpack_from("<I", self.data, self._off(anames) + 4 * i)[0])
            ordinal = struct.unpack_from("<H", self.data, self._off(aords) + 2 * i)[0]
            target = struct.unpack_from("<I", self.data, self._off(afuncs) + 4 * ordinal)[0]
            if rva <= target < rva + size:
                kind = "forward"
            else:
                s = self._section(target)
                kind = "code" if s and s[5] & _SCN_EXECUTE else "data"
            out[name] = kind
        return out

    def imports(self):
        """{dll name: [symbol names (or '#ordinal')]}, normal and delay-load imports."""
        out = {}
        tsize = 8 if self.pe32plus else 4
        flag = 1 << (tsize * 8 - 1)

        def thunks(rva):
            names = []
            o = self._off(rva)
            while True:
                v = struct.unpack_from("<Q" if tsize == 8 else "<I", self.data, o)[0]
                if not v:
                    return names
                names.append("#%d" % (v & 0xFFFF) if v & flag else self._cstr((v & 0x7FFFFFFF) + 2))
                o += tsize

        rva = self.dirs[1][0] if len(self.dirs) > 1 else 0
        if rva:
            o = self._off(rva)
            while True:
                oft, _, _, name, ft = struct.unpack_from("<IIIII", self.data, o)
                if not name:
                    break
                out.setdefault(self._cstr(name), []).extend(thunks(oft or ft))
                o += 20
        rva = self.dirs[13][0] if len(self.dirs) > 13 else 0
        if rva:  # delay-load descriptors: attrs, name, hmod, IAT, INT, ...
            o = self._off(rva)
            while True:
                attrs, name, _, _, intr = struct.unpack_from("<IIIII", self.data, o)
                if not name:
                    break
                out.setdefault(self._cstr(name), []).extend(thunks(intr))
                o += 32
        return out


def write_def(dll_path, def_path, dll_name=None):
    """Write a module-definition file listing a DLL's named exports (data ones marked DATA)."""
    import os
    pe = PEFile(dll_path)
    lines = ["LIBRARY %s" % (dll_name or os.path.basename(dll_path)), "EXPORTS"]
    for name, kind in sorted(pe.exports().items()):
        lines.append("%s DATA" % name if kind == "data" else name)
    with open(def_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines) - 2
