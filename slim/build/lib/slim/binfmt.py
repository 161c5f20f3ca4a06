"""The one reader of binary formats (ELF, PE/COFF) for strip, the build checks and the Conan
recipe (which copies this file: it must stay standard-library only, Python 3.8+).

Written from the ELF (System V gABI) and PE/COFF specifications.  Every read is bounds-checked:
a truncated or hostile file raises :class:`BinaryFormatError` (a ValueError), never anything
else.  Files are memory-mapped, not read into memory.
"""
import mmap
import struct

ELF_MAGIC = b"\x7fELF"
# e_machine -> (pyelftools-style name, short name used in the target table)
ELF_MACHINES = {2: ("EM_SPARC", "sparc"), 3: ("EM_386", "i386"), 8: ("EM_MIPS", "mips"),
                20: ("EM_PPC", "ppc"), 21: ("EM_PPC64", "ppc64"), 22: ("EM_S390", "s390"),
                40: ("EM_ARM", "arm"), 43: ("EM_SPARCV9", "sparcv9"), 62: ("EM_X86_64", "x86_64"),
                183: ("EM_AARCH64", "aarch64"), 243: ("EM_RISCV", "riscv"),
                258: ("EM_LOONGARCH", "loongarch")}
PE_MACHINES = {0x14C: "i386", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C4: "armnt"}
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
SHT_NOBITS, SHT_DYNAMIC = 8, 6
SHF_ALLOC = 0x2
DT_NEEDED, DT_STRTAB, DT_SONAME = 1, 5, 14
_SCN_EXECUTE = 0x20000000


class BinaryFormatError(ValueError):
    pass


class _Buf:
    """Bounds-checked struct reads over a memory map."""

    def __init__(self, path):
        self.path = str(path)
        with open(path, "rb") as f:
            try:
                self.mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:
                raise BinaryFormatError("%s: empty file" % self.path) from None
        self.size = len(self.mm)

    def close(self):
        self.mm.close()

    def u(self, fmt, off):
        n = struct.calcsize(fmt)
        if off < 0 or off + n > self.size:
            raise BinaryFormatError("%s: truncated (a header at offset %#x runs past the end)" % (self.path, off))
        return struct.unpack_from(fmt, self.mm, off)

    def cstr(self, off, limit=4096):
        if off < 0 or off >= self.size:
            raise BinaryFormatError("%s: string offset %#x outside the file" % (self.path, off))
        end = self.mm.find(b"\0", off, min(self.size, off + limit))
        if end < 0:
            raise BinaryFormatError("%s: unterminated string at %#x" % (self.path, off))
        return self.mm[off:end].decode("utf-8", "replace")


def kind(path) -> str:
    """"elf", "pe" or "other" from the first bytes (never raises)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] == ELF_MAGIC:
                return "elf"
            if head[:2] == b"MZ" and len(head) >= 64:
                f.seek(int.from_bytes(head[60:64], "little"))
                if f.read(4) == b"PE\0\0":
                    return "pe"
    except OSError:
        pass
    return "other"


# ------------------------------------------------------------------------------------ ELF
class ELF:
    """Headers, segments, sections and dynamic tags of an ELF file."""

    def __init__(self, path):
        b = _Buf(path)
        try:
            self._parse(b)
        finally:
            b.close()

    def _parse(self, b):
        if b.u("4s", 0)[0] != ELF_MAGIC:
            raise BinaryFormatError("%s: not an ELF file" % b.path)
        cls, data = b.u("BB", 4)
        if cls not in (1, 2) or data not in (1, 2):
            raise BinaryFormatError("%s: bad ELF class/data bytes" % b.path)
        self.elfclass = 64 if cls == 2 else 32
        self.little_endian = data == 1
        e = "<" if self.little_endian else ">"
        a = "Q" if cls == 2 else "I"
        self.type, self.machine_id = b.u(e + "HH", 16)
        name = ELF_MACHINES.get(self.machine_id, ("EM_%d" % self.machine_id, "unknown"))
        self.machine, self.machine_short = name
        if cls == 2:
            _entry, phoff, shoff, _flags, _eh, phentsize, phnum, shentsize, shnum, shstrndx = \
                b.u(e + "QQQIHHHHHH", 24)
        else:
            _entry, phoff, shoff, _flags, _eh, phentsize, phnum, shentsize, shnum, shstrndx = \
                b.u(e + "IIIIHHHHHH", 24)
        self.shoff, self.shentsize = shoff, shentsize
        ph = e + ("IIQQQQQQ" if cls == 2 else "IIIIIIII")
        self.segments = []       # (type, offset, vaddr, filesz, memsz, align)
        if phnum and phentsize < struct.calcsize(ph):
            raise BinaryFormatError("%s: program header entries too small" % b.path)
        for i in range(phnum):
            v = b.u(ph, phoff + i * phentsize)
            if cls == 2:
                t, _fl, off, vaddr, _pa, filesz, memsz, align = v
            else:
                t, off, vaddr, _pa, filesz, memsz, _fl, align = v
            self.segments.append((t, off, vaddr, filesz, memsz, align))
        sh = e + ("IIQQQQIIQQ" if cls == 2 else "IIIIIIIIII")
        raw = []
        if shoff:
            if shentsize < struct.calcsize(sh):
                raise BinaryFormatError("%s: section header entries too small" % b.path)
            first = b.u(sh, shoff)
            if shnum == 0:
                shnum = first[5]            # extended numbering: the count is in section 0
            if shstrndx == 0xFFFF:
                shstrndx = first[6]
            if shnum > 65535 * 16:
                raise BinaryFormatError("%s: absurd section count %d" % (b.path, shnum))
            raw = [b.u(sh, shoff + i * shentsize) for i in range(shnum)]
        self.shstrndx = shstrndx
        names_off = raw[shstrndx][4] if raw and shstrndx < len(raw) else None
        self.sections = []       # dicts: index, name, type, flags, offset, size, link
        for i, s in enumerate(raw):
            name = b.cstr(names_off + s[0]) if names_off is not None else ""
            self.sections.append({"index": i, "name": name, "type": s[1], "flags": s[2],
                                  "offset": s[4], "size": s[5], "link": s[6]})
        self.needed, self.soname = self._dynamic(b, e, a)

    def _dynamic(self, b, e, a):
        fmt = e + ("q" if a == "Q" else "i") + a
        step = struct.calcsize(fmt)
        dyn = next((s for s in self.sections if s["type"] == SHT_DYNAMIC), None)
        if dyn is not None and dyn["link"] < len(self.sections):
            start, size, strtab = dyn["offset"], dyn["size"], self.sections[dyn["link"]]["offset"]
        else:
            seg = next((s for s in self.segments if s[0] == PT_DYNAMIC), None)
            if seg is None:
                return [], None
            start, size, strtab = seg[1], seg[3], None
        tags = []
        for i in range(min(size // step, 1 << 16)):
            tag, val = b.u(fmt, start + i * step)
            if tag == 0:
                break
            tags.append((tag, val))
        if strtab is None:
            addr = next((v for t, v in tags if t == DT_STRTAB), None)
            strtab = self.vaddr_to_offset(addr) if addr is not None else None
            if strtab is None:
                return [], None
        needed = [b.cstr(strtab + v) for t, v in tags if t == DT_NEEDED]
        soname = next((b.cstr(strtab + v) for t, v in tags if t == DT_SONAME), None)
        return needed, soname

    def vaddr_to_offset(self, addr):
        for t, off, vaddr, filesz, _m, _a in self.segments:
            if t == PT_LOAD and vaddr <= addr < vaddr + filesz:
                return off + addr - vaddr
        return None

    @property
    def loads(self):
        """(offset, vaddr, align, filesz, memsz) of every PT_LOAD."""
        return [(off, vaddr, align, filesz, memsz)
                for t, off, vaddr, filesz, memsz, align in self.segments if t == PT_LOAD]

    @property
    def has_symtab(self):
        return any(s["name"] == ".symtab" for s in self.sections)

    @property
    def has_debug(self):
        return any(s["name"].startswith((".debug", ".zdebug")) for s in self.sections)

    def alignment_problems(self):
        """The PT_LOAD segments the loader would refuse (empty list = fine)."""
        out = []
        for i, (off, vaddr, align, _fs, _ms) in enumerate(self.loads):
            if align > 1 and (off - vaddr) % align != 0:
                out.append("PT_LOAD #%d: (p_offset 0x%x - p_vaddr 0x%x) mod p_align 0x%x = 0x%x"
                           % (i, off, vaddr, align, (off - vaddr) % align))
        return out


# ------------------------------------------------------------------------------------- PE
class PE:
    """Machine, headers, sections, exports and imports of a PE file (.exe/.dll/.pyd)."""

    def __init__(self, path):
        self._b = b = _Buf(path)
        try:
            self._parse(b)
        except BaseException:
            b.close()
            raise

    def close(self):
        self._b.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _parse(self, b):
        if b.u("2s", 0)[0] != b"MZ":
            raise BinaryFormatError("%s: not a PE file (no MZ header)" % b.path)
        pe = b.u("<I", 0x3C)[0]
        if b.u("4s", pe)[0] != b"PE\0\0":
            raise BinaryFormatError("%s: not a PE file (no PE signature)" % b.path)
        machine, nsect, _ts, self.symtab_ptr, self.nsyms, opt_size, self.characteristics = \
            b.u("<HHIIIHH", pe + 4)
        self.machine_id = machine
        self.machine = PE_MACHINES.get(machine, hex(machine))
        opt = pe + 24
        magic = b.u("<H", opt)[0]
        if magic not in (0x10B, 0x20B):
            raise BinaryFormatError("%s: unknown optional header magic %#x" % (b.path, magic))
        self.pe32plus = magic == 0x20B
        self.entry = b.u("<I", opt + 16)[0]
        self.file_alignment = b.u("<I", opt + 36)[0] or 1
        ndirs_off = opt + (108 if self.pe32plus else 92)
        ndirs = b.u("<I", ndirs_off)[0]
        self.dirs = [b.u("<II", ndirs_off + 4 + 8 * i) for i in range(min(ndirs, 16))]
        self.sections = []   # (name, va, vsize, rawptr, rawsize, characteristics)
        for i in range(nsect):
            name, vsize, va, rawsize, rawptr = b.u("<8sIIII", opt + opt_size + 40 * i)
            chars = b.u("<I", opt + opt_size + 40 * i + 36)[0]
            self.sections.append((name.rstrip(b"\0").decode("ascii", "replace"), va, vsize,
                                  rawptr, rawsize, chars))

    @property
    def is_dll(self):
        return bool(self.characteristics & 0x2000)

    @property
    def has_symtab(self):
        return self.symtab_ptr != 0 and self.nsyms != 0

    @property
    def has_debug(self):
        return any(n.startswith((".debug", "/")) for n, *_ in self.sections)

    def _section(self, rva):
        for s in self.sections:
            if s[1] <= rva < s[1] + max(s[2], s[4]):
                return s
        return None

    def _off(self, rva):
        s = self._section(rva)
        if s is None:
            raise BinaryFormatError("%s: RVA %#x outside every section" % (self._b.path, rva))
        return s[3] + (rva - s[1])

    def exports(self):
        """{name: 'code' | 'data' | 'forward'} of the named exports."""
        b = self._b
        rva, size = self.dirs[0] if self.dirs else (0, 0)
        if not rva:
            return {}
        _nfuncs, nnames, afuncs, anames, aords = b.u("<IIIII", self._off(rva) + 20)
        out = {}
        for i in range(min(nnames, 1 << 20)):
            name = b.cstr(self._off(b.u("<I", self._off(anames) + 4 * i)[0]))
            ordinal = b.u("<H", self._off(aords) + 2 * i)[0]
            target = b.u("<I", self._off(afuncs) + 4 * ordinal)[0]
            if rva <= target < rva + size:
                out[name] = "forward"
            else:
                s = self._section(target)
                out[name] = "code" if s and s[5] & _SCN_EXECUTE else "data"
        return out

    def imports(self):
        """{dll name: [symbol names (or '#ordinal')]}, normal and delay-load imports."""
        b = self._b
        out = {}
        tsize = 8 if self.pe32plus else 4
        flag = 1 << (tsize * 8 - 1)

        def thunks(rva):
            names, o = [], self._off(rva)
            for _ in range(1 << 20):
                v = b.u("<Q" if tsize == 8 else "<I", o)[0]
                if not v:
                    break
                names.append("#%d" % (v & 0xFFFF) if v & flag else b.cstr(self._off((v & 0x7FFFFFFF) + 2)))
                o += tsize
            return names

        for idx, step, fields in ((1, 20, (0, 3, 4)), (13, 32, (4, 1, 4))):
            rva = self.dirs[idx][0] if len(self.dirs) > idx else 0
            if not rva:
                continue
            o = self._off(rva)
            for _ in range(1 << 16):
                v = b.u("<IIIII", o)
                name = v[fields[1]]
                if not name:
                    break
                first = v[fields[0]] or v[fields[2]]
                out.setdefault(b.cstr(self._off(name)), []).extend(thunks(first))
                o += step
        return out


def write_def(dll_path, def_path, dll_name=None):
    """Write a module-definition file of a DLL's named exports (data ones marked DATA)."""
    import os
    with PE(dll_path) as pe:
        exports = pe.exports()
    lines = ["LIBRARY %s" % (dll_name or os.path.basename(str(dll_path))), "EXPORTS"]
    lines += ["%s DATA" % n if k == "data" else n for n, k in sorted(exports.items())]
    with open(def_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines) - 2
