import ChannelbookStore
import Configuration
import Foundation
import Testing

@testable import ChannelbookCLI

/// `check`, `backup` and `config show`: the operator's commands.
@Suite struct MaintenanceCommandTests {
    /// A database with a closed, approved and paid quarter.
    private func preparedDatabase(_ database: CLIDatabase) async throws -> (flags: [String], folder: URL) {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook, "sales.csv": LedgerCommandTests.sales,
        ])
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook", "sales"] {
            _ = await channelbook(["import", kind, folder.appendingPathComponent("\(kind).csv").path, "--actor", "admin"] + db)
        }
        _ = await channelbook(["close", "2026Q1", "--actor", "manager"] + db)
        _ = await channelbook(["approve", "2026Q1", "--actor", "finance"] + db)
        _ = await channelbook(["payouts", "mark-paid", "2026Q1", "--reference", "EFT-1", "--actor", "finance"] + db)
        return (db, folder)
    }

    @Test(arguments: CLIDatabase.available)
    func checkPassesOnASoundDatabaseAndNamesWhatIsBroken(database: CLIDatabase) async throws {
        let (db, _) = try await preparedDatabase(database)
        let sound = await channelbook(["check"] + db)
        #expect(sound.exitCode == 0, "\(sound.stderr)")
        #expect(sound.stdout.hasSuffix(": every check passed (totals = lines, statements = lines, audit log complete)\n"))

        // Break a total and a draft statement behind Channelbook's back, as a bad restore or a manual edit would.
        let location: DatabaseLocation = db[0] == "--db" ? .sqlite(path: db[1]) : .postgres(url: db[1])
        let raw = try await ChannelbookDatabase.open(location)
        try await raw.sql.raw("UPDATE sales_totals SET amount_minor = amount_minor + 1 WHERE category = 'hardware' AND source = 'DIRECT'").run()
        await raw.close()
        let broken = await channelbook(["check"] + db)
        #expect(broken.exitCode == 1)
        #expect(broken.stderr.contains("sales totals: reseller "), "\(broken.stderr)")
        #expect(broken.stderr.contains("hardware from DIRECT (smb): the lines sum to "))
    }

    @Test func backupCopiesASQLiteDatabaseInUseAndTheCopyChecksClean() async throws {
        let (db, folder) = try await preparedDatabase(.sqlite)
        // A pool stays open, as `serve` would hold it, while the backup runs.
        let pool = try await DatabasePool.open(.sqlite(path: db[1]), connections: 2)
        let copy = folder.appendingPathComponent("backup.sqlite").path
        let backup = await channelbook(["backup", "--out", copy] + db)
        await pool.close()
        #expect(backup.exitCode == 0, "\(backup.stderr)")
        #expect(backup.stdout == "backed up \(db[1]) to \(copy)\n")
        let checked = await channelbook(["check", "--db", copy])
        #expect(checked.exitCode == 0, "\(checked.stderr)")
        let original = await channelbook(["statements", "2026Q1", "--format", "csv"] + db)
        let copied = await channelbook(["statements", "2026Q1", "--format", "csv", "--db", copy])
        #expect(copied.stdout == original.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }.isEmpty)
        let nowhere = await channelbook(["backup", "--out", folder.appendingPathComponent("missing/backup.sqlite").path] + db)
        #expect(nowhere.exitCode == 1)
        #expect(nowhere.stderr.contains("cannot write in the folder"))
    }

    @Test func backupOfPostgreSQLRunsPgDumpInCustomFormat() async throws {
        guard CLIDatabase.available.contains(.postgres) else { return }
        let (db, folder) = try await preparedDatabase(.postgres)
        let dump = folder.appendingPathComponent("backup.dump").path
        let backup = await channelbook(["backup", "--out", dump] + db)
        #expect(backup.exitCode == 0, "\(backup.stderr)")
        let head = try #require(FileHandle(forReadingAtPath: dump)).readData(ofLength: 5)
        #expect(String(decoding: head, as: UTF8.self) == "PGDMP")
    }

    @Test func settingsComeFromFlagsThenEnvironmentThenFileThenDefaults() async throws {
        let file = try temporaryFile(
            named: "channelbook.json",
            containing: #"{"http": {"port": 9090, "host": "10.0.0.1"}, "database": {"url": "postgres://cb:s3cret@db:5432/cb"}, "log": {"level": "debug"}}"#)
        let settings = try await ServeSettings.resolve(
            flags: ["database.connections": .int(4)], configFile: file,
            environment: ["CHANNELBOOK_HTTP_HOST": "0.0.0.0", "CHANNELBOOK_SESSIONS_LIFETIME_HOURS": "2"])
        #expect(settings.host == "0.0.0.0")
        #expect(settings.port == 9090)
        #expect(settings.connections == 4)
        #expect(settings.database == .postgres(url: "postgres://cb:s3cret@db:5432/cb"))
        #expect(settings.logLevel == .debug)
        #expect(settings.web.sessionLifetimeSeconds == 7200)
        #expect(settings.web.uploadLimitBytes == 256 * 1024 * 1024)
        let shown = Dictionary(uniqueKeysWithValues: settings.shown.map { ($0.key, "\($0.value) (\($0.source))") })
        #expect(shown["http.host"] == "0.0.0.0 (environment CHANNELBOOK_HTTP_HOST)")
        #expect(shown["http.port"] == "9090 (file \(file): http.port)")
        #expect(shown["database.connections"] == "4 (flag --connections)")
        #expect(shown["database.url"] == "postgres://cb:***@db:5432/cb (file \(file): database.url)")
        // Served beyond this machine (0.0.0.0): cookies are Secure unless said otherwise.
        #expect(shown["cookies.secure"] == "true (default)")
        #expect(shown["sessions.idleMinutes"] == "60 (default)")
        // A flag beats the file; the database path given as a flag beats a URL from the file.
        let flagged = try await ServeSettings.resolve(flags: ["http.port": .int(7070), "database.path": .string("x.sqlite")], configFile: file, environment: [:])
        #expect(flagged.port == 7070)
        #expect(flagged.database == .sqlite(path: "x.sqlite"))
        // DATABASE_URL still works, below CHANNELBOOK_DATABASE_URL.
        let conventional = try await ServeSettings.resolve(flags: [:], configFile: nil, environment: ["DATABASE_URL": "postgres://a@b/c"])
        #expect(conventional.database == .postgres(url: "postgres://a@b/c"))
    }

    @Test func malformedSettingsAreErrorsNamingTheirSource() async throws {
        await #expect(throws: CLIError("environment CHANNELBOOK_HTTP_PORT: 'abc' is not a whole number from 1 to 65535 (http.port)")) {
            _ = try await ServeSettings.resolve(flags: [:], configFile: nil, environment: ["CHANNELBOOK_HTTP_PORT": "abc"])
        }
        await #expect(throws: CLIError("environment CHANNELBOOK_COOKIES_SECURE: 'maybe' is not true or false (cookies.secure)")) {
            _ = try await ServeSettings.resolve(flags: [:], configFile: nil, environment: ["CHANNELBOOK_COOKIES_SECURE": "maybe"])
        }
        await #expect(throws: CLIError("flag --log-level: 'loud' is not a valid log.level")) {
            _ = try await ServeSettings.resolve(flags: ["log.level": .string("loud")], configFile: nil, environment: [:])
        }
        await #expect(throws: CLIError("/nonexistent.json: the configuration file does not exist")) {
            _ = try await ServeSettings.resolve(flags: [:], configFile: "/nonexistent.json", environment: [:])
        }
        let shown = await channelbook(["config", "show", "--port", "70000"])
        #expect(shown.exitCode == 1)
        #expect(shown.stderr == "Error: flag --port: '70000' is not a whole number from 1 to 65535 (http.port)\n")
    }

    @Test func theMetricsTokenIsNeverShownAndNotTooShort() async throws {
        let set = try await ServeSettings.resolve(flags: [:], configFile: nil, environment: ["CHANNELBOOK_METRICS_TOKEN": "scrape-me-0123456789"])
        #expect(set.web.metricsToken == "scrape-me-0123456789")
        #expect(set.shown.first { $0.key == "metrics.token" }.map { "\($0.value) (\($0.source))" } == "*** (environment CHANNELBOOK_METRICS_TOKEN)")
        let unset = try await ServeSettings.resolve(flags: [:], configFile: nil, environment: [:])
        #expect(unset.web.metricsToken == nil)
        await #expect(throws: CLIError("flag --metrics-token: the metrics token must be at least 16 characters (metrics.token)")) {
            _ = try await ServeSettings.resolve(flags: ["metrics.token": .string("short")], configFile: nil, environment: [:])
        }
    }
}
