#!/usr/bin/python3
"""Writes a container root filesystem made of the host's own files, as a tar stream on stdout
(for `docker import - TAG`: the sandbox reaches no registry, so its base images come from here).

    rootfs.py [--exclude GLOB]... [--tree DIR]... [--dir PATH:MODE:UID:GID]... PATH...

- each PATH (file, symlink or directory, recursively) lands at its own path; a symlink comes
  with what it points to;
- every ELF file among them brings the shared libraries `ldd` lists for it (one ldd run for
  all of them: ldd already prints each file's whole closure), so binaries run as on the host;
- --exclude drops paths matching GLOB (fnmatch on the absolute host path, `*` crosses `/`);
- --tree DIR adds the files under DIR at their path relative to DIR (passwd, entrypoints),
  replacing a host file of the same path;
- --dir adds an (empty) directory with that mode and owner (octal MODE, numeric ids);
- the merged-/usr links (/bin /lib /lib64 /sbin -> usr/...) are copied as the host has them.

Everything is owned by root (0:0) unless --dir says otherwise; modes and mtimes are the host's.
"""

import argparse
import fnmatch
import os
import stat
import subprocess
import sys
import tarfile

MERGED_USR = ("bin", "lib", "lib64", "sbin")


def canonical(path):
    """PATH with its directory resolved (/lib/x/libc.so.6 -> /usr/lib/x/libc.so.6); the last
    component stays as is, so a symlinked library keeps its own name."""
    path = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


class Rootfs:
    def __init__(self, out, excludes):
        self.tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT)
        self.excludes = excludes
        self.seen = set()     # archive names written (no leading /)
        self.elf = []         # host paths of ELF files, for ldd
        self.replaced = set() # archive names that a --tree provides instead of the host

    def excluded(self, path):
        return any(fnmatch.fnmatch(path, g) for g in self.excludes)

    def _add_info(self, info, fileobj=None):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        self.tar.addfile(info, fileobj)
        self.seen.add(info.name)

    def parents(self, path):
        """The directories above PATH, outermost first: as the host has them (mode, mtime) when
        it has a directory there, else plain 0755 ones (/var/run is a link to /run on the host,
        yet --dir /var/run/postgresql needs a directory). Without an entry of its own, an
        implicit parent gets whatever mode the storage driver picks (vfs: 0600)."""
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/" + "/".join(parts[:i])
            name = d.lstrip("/")
            if name in self.seen:
                continue
            if os.path.isdir(d) and not os.path.islink(d):
                info = self.tar.gettarinfo(d, arcname=name)
            else:
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            self._add_info(info)

    def host(self, path):
        """Add host PATH (and what a symlink points to, and a directory's contents)."""
        path = canonical(path)
        name = path.lstrip("/")
        if name in self.seen or name in self.replaced or self.excluded(path):
            return
        if not os.path.lexists(path):
            sys.exit(f"rootfs.py: {path}: no such file on the host")
        self.parents(path)
        st = os.lstat(path)
        info = self.tar.gettarinfo(path, arcname=name)
        if stat.S_ISLNK(st.st_mode):
            self._add_info(info)
            target = os.readlink(path)
            if not target.startswith("/"):
                target = os.path.join(os.path.dirname(path), target)
            if os.path.lexists(target):
                self.host(os.path.normpath(target))
        elif stat.S_ISDIR(st.st_mode):
            self._add_info(info)
            for entry in sorted(os.listdir(path)):
                self.host(os.path.join(path, entry))
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                self._add_info(info, f)
            if is_elf(path):
                self.elf.append(path)
        # sockets, fifos, devices: never wanted in an image

    def libraries(self):
        """The shared libraries of every ELF file added so far: one ldd run, whose list for each
        file is already its whole closure (libraries of libraries)."""
        if not self.elf:
            return
        # ldd exits 1 when one of them is not dynamic (a static binary): its output still counts.
        out = subprocess.run(["ldd", *self.elf], capture_output=True, text=True).stdout
        for line in out.splitlines():
            # "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)", "\t/lib64/ld-linux-x86-64.so.2 (0x...)"
            for word in line.split():
                if word.startswith("/") and not word.endswith(":"):
                    self.host(word)

    def tree(self, root):
        """Files under ROOT at their path relative to it (root-owned, modes as in ROOT)."""
        root = os.path.abspath(root)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, root)
            for entry in [*sorted(dirnames), *sorted(filenames)]:
                src = os.path.join(dirpath, entry)
                name = os.path.normpath(os.path.join(rel, entry))
                if name in self.seen:
                    continue
                if not os.path.isdir(src):
                    self.parents("/" + name)
                info = self.tar.gettarinfo(src, arcname=name)
                if os.path.isdir(src):
                    info.mode = 0o755
                if os.path.isfile(src) and not os.path.islink(src):
                    with open(src, "rb") as f:
                        self._add_info(info, f)
                else:
                    self._add_info(info)

    def directory(self, spec):
        path, mode, uid, gid = spec.split(":")
        self.parents(path)
        info = tarfile.TarInfo(path.strip("/"))
        info.type = tarfile.DIRTYPE
        info.mode = int(mode, 8)
        info.uid, info.gid = int(uid), int(gid)
        self.tar.addfile(info)  # owner as given: not through _add_info
        self.seen.add(info.name)

    def merged_usr(self):
        for d in MERGED_USR:
            if os.path.islink("/" + d):
                info = tarfile.TarInfo(d)
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink("/" + d)
                info.mode = 0o777
                self._add_info(info)


def tree_names(root):
    root = os.path.abspath(root)
    names = set()
    for dirpath, _, filenames in os.walk(root):
        for f in filenames:
            names.add(os.path.normpath(os.path.relpath(os.path.join(dirpath, f), root)))
    return names


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    p.add_argument("--tree", action="append", default=[], metavar="DIR")
    p.add_argument("--dir", action="append", default=[], metavar="PATH:MODE:UID:GID")
    p.add_argument("paths", nargs="+", metavar="PATH")
    args = p.parse_args()
    if sys.stdout.isatty():
        sys.exit("rootfs.py: writes a tar stream; pipe it into `docker import - TAG`")

    fs = Rootfs(sys.stdout.buffer, args.exclude)
    for t in args.tree:
        fs.replaced |= tree_names(t)
    fs.merged_usr()
    for path in args.paths:
        fs.host(path)
    fs.libraries()
    for t in args.tree:
        fs.tree(t)
    for d in args.dir:
        fs.directory(d)
    fs.tar.close()


if __name__ == "__main__":
    main()
