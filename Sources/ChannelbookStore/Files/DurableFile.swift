#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be written durably: the path and the system's reason.
public struct DurableFileError: RefusalError, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Writes files so that a crash or a kill leaves either the old file or the whole new one, never a torn
/// one: the bytes go to a temporary name in the same directory, are synced, renamed over the target, and
/// the directory is synced so the rename itself survives a power loss. Callers audit only after this
/// returns (a payout file's audit row never names a file that does not exist).
public enum DurableFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(DurableFileError) {
        let temporary = try temporaryPath(beside: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "cannot create a file in \(parentDirectory(of: path))") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure(path, "cannot write")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += result
        }
        close(descriptor)
        try commit(temporary, to: path)
    }

    /// Syncs a finished temporary file, renames it over `path` and syncs the directory; on failure the
    /// temporary file is removed and `path` is untouched.
    public static func commit(_ temporary: String, to path: String) throws(DurableFileError) {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let error = failure(path, "cannot reopen its temporary file")
            unlink(temporary)
            throw error
        }
        guard fsync(descriptor) == 0 else {
            let error = failure(path, "cannot sync to disk")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot replace the file")
            unlink(temporary)
            throw error
        }
        try syncDirectory(parentDirectory(of: path), for: path)
    }

    /// Refuses early, in words, a path whose folder is missing or not writable.
    public static func requireWritableDirectory(for path: String) throws(DurableFileError) {
        let directory = parentDirectory(of: path)
        guard access(directory, W_OK) == 0 else { throw failure(path, "cannot write in the folder \(directory)") }
    }

    /// Removes a file if it exists, ignoring every error (cleanup on a path that already failed).
    public static func removeQuietly(_ path: String) { unlink(path) }

    /// Syncs a directory's entries (a rename or a new file in it) to disk.
    public static func syncDirectory(_ directory: String, for path: String) throws(DurableFileError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open its directory \(directory)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path, "cannot sync its directory \(directory)") }
    }

    /// `dir/.name.tmp-RANDOM`: hidden, in the target's directory so the rename is atomic.
    public static func temporaryPath(beside path: String) throws(DurableFileError) -> String {
        let directory = parentDirectory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var random = SystemRandomNumberGenerator()
        let suffix = String(random.next() as UInt64, radix: 36)
        return (directory == "." && !path.hasPrefix("./") ? "" : directory + "/") + ".\(name).tmp-\(suffix)"
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(_ path: String, _ what: String) -> DurableFileError {
        DurableFileError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
