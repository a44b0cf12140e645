import Foundation

/// Removes trees that a less trusted user can change while root removes them (release directories, restore
/// leftovers, scratch files).
///
/// `FileManager.removeItem` (like `rm -r` by path) resolves each path again as it goes: an app user who swaps a
/// subdirectory for a symbolic link to `/etc` in the middle of the walk makes root delete `/etc`'s content. Here the
/// parent is opened once (``SafePath/openDirectory(_:)``), and every level below is opened with
/// `openat(O_NOFOLLOW | O_DIRECTORY)` relative to its parent's descriptor and emptied with `unlinkat`: a path is
/// never resolved again, a symbolic link is unlinked and never followed, and a directory that is swapped for a link
/// between the check and the open is unlinked as the link it now is. Mount points are not crossed.
public enum SafeRemove {
    /// The deepest tree removed (one descriptor is open per level).
    static let maxDepth = 256

    /// Removes `path` (a file, a link or a whole directory tree); nothing to do when it does not exist.
    public static func remove(_ path: String) throws {
        let (parent, name) = try SafePath.openParent(of: path)
        try remove(name, in: parent.fd, display: path)
    }

    /// Removes the entry `name` of the open directory `parent` and, for a directory, everything under it.
    public static func remove(_ name: String, in parent: Int32, display: String? = nil) throws {
        let shown = display ?? name
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw StoreError("cannot remove \(shown): \(StoreFiles.errnoText())")
        }
        var device = stat()
        guard fstat(parent, &device) == 0 else { throw StoreError("cannot remove \(shown): \(StoreFiles.errnoText())") }
        // The tree stays on its parent's file system: a mount point inside it (or at its top) is refused.
        try removeEntry(name, in: parent, device: device.st_dev, depth: 0, display: shown)
    }

    /// Removes `path` and ignores failures (clean-up after an error, where there is nothing better to do).
    public static func removeQuietly(_ path: String) {
        try? remove(path)
    }

    private static func removeEntry(_ name: String, in parent: Int32, device: dev_t, depth: Int, display: String) throws {
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw StoreError("cannot remove \(display): \(StoreFiles.errnoText())")
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            try unlinkEntry(name, in: parent, flags: 0, display: display)
            return
        }
        guard depth < maxDepth else { throw StoreError("cannot remove \(display): deeper than \(maxDepth) levels") }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            // Swapped for a link or a file since the fstatat: remove what is there now, never following it.
            if errno == ELOOP || errno == ENOTDIR { try unlinkEntry(name, in: parent, flags: 0, display: display); return }
            if errno == ENOENT { return }
            throw StoreError("cannot open \(display): \(StoreFiles.errnoText())")
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw StoreError("cannot remove \(display): \(StoreFiles.errnoText())") }
        guard opened.st_dev == device else { throw StoreError("\(display) is a mount point; refusing to remove across it") }
        for child in try SafePath.entries(fd, display: display) {
            try removeEntry(child, in: fd, device: device, depth: depth + 1, display: display + "/" + child)
        }
        try unlinkEntry(name, in: parent, flags: AT_REMOVEDIR, display: display)
    }

    private static func unlinkEntry(_ name: String, in parent: Int32, flags: Int32, display: String) throws {
        if unlinkat(parent, name, flags) == 0 || errno == ENOENT { return }
        // The emptied directory was swapped for a link or a file meanwhile: that is removed (never followed).
        guard flags == AT_REMOVEDIR, errno == ENOTDIR, unlinkat(parent, name, 0) == 0 || errno == ENOENT else {
            throw StoreError("cannot remove \(display): \(StoreFiles.errnoText())")
        }
    }
}
