import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where uploaded files wait while they are imported: a folder of this server process's own, readable by its
/// user only (0700), each file 0600, removed when its request ends. A server that was killed leaves its folder
/// behind; the next server to start removes the folders of processes that no longer exist.
enum UploadDirectory {
    static let prefix = "channelbook-uploads-"

    /// This process's folder (or the one `WebSettings.uploadFolder` names), created on first use.
    static func current(_ configured: String? = nil) throws -> URL {
        let folder = configured.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())")
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return folder
    }

    /// A new empty file only this user may read, for one upload.
    static func newFile(suffix: String, in configured: String? = nil) throws -> String {
        let path = try current(configured).appendingPathComponent("\(UUID().uuidString)\(suffix)").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }

    /// Removes the folders of server processes that have gone (killed in the middle of an upload).
    static func removeAbandoned() {
        let temporary = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name)) }
        }
    }
}
