import SQLKit

extension ChannelbookDatabase {
    /// Copies a SQLite database to `path` while others keep using it: `VACUUM INTO` reads one consistent
    /// snapshot (WAL readers never block the writer), into a temporary file that is checked, synced and only
    /// then renamed over `path`. PostgreSQL databases are backed up with `pg_dump` (see `channelbook backup`).
    public func backupSQLite(to path: String) async throws {
        guard dialect == .sqlite else { throw BackupError.notSQLite }
        try await requireInitialised()
        try DurableFile.requireWritableDirectory(for: path)
        let temporary = try DurableFile.temporaryPath(beside: path)
        do {
            try await sql.raw("VACUUM INTO \(bind: temporary)").run()
            let copy = try await ChannelbookDatabase.open(.sqlite(path: temporary))
            do {
                try await copy.requireInitialised()
                let check = try await copy.plainRows("PRAGMA quick_check").map { try $0.text(0) }
                guard check == ["ok"] else { throw BackupError.copyDamaged(check.joined(separator: "; ")) }
                await copy.close()
            } catch {
                await copy.close()
                throw error
            }
            try DurableFile.commit(temporary, to: path)
        } catch {
            DurableFile.removeQuietly(temporary)
            DurableFile.removeQuietly(temporary + "-wal")
            DurableFile.removeQuietly(temporary + "-shm")
            throw error
        }
        DurableFile.removeQuietly(temporary + "-wal")
        DurableFile.removeQuietly(temporary + "-shm")
    }
}

/// Why a backup was not made.
public enum BackupError: Error, CustomStringConvertible, RefusalError {
    case notSQLite
    case copyDamaged(String)

    public var description: String {
        switch self {
        case .notSQLite: return "this database is PostgreSQL: back it up with pg_dump"
        case .copyDamaged(let detail): return "the copy failed its integrity check (\(detail)); nothing was written"
        }
    }
}
