import Testing

@testable import ChannelbookCore

/// The Swift TOML reader: valid documents read as TOML 1.0 says, every malformed one a syntax error with
/// its line and column — never a trap or an abort (the C++ parser it replaced aborted on `[#]`).
@Suite struct TOMLParserTests {
    private func parse(_ text: String) throws(TOMLSyntaxError) -> [String: TOMLNode] { try TOMLParser.parse(text) }

    private func error(_ text: String) -> TOMLSyntaxError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTheArticleProgram() throws {
        let document = try parse(Program.articleTOML)
        guard case .table(let rebate)? = document["rebate"], case .array(let tiers)? = rebate["tiers"] else {
            Issue.record("rebate.tiers missing")
            return
        }
        #expect(tiers.count == 3)
        guard case .table(let first) = tiers[0], case .string(let from)? = first["from"] else {
            Issue.record("rebate.tiers[0].from missing")
            return
        }
        #expect(from == "30000.00")
        guard case .table(let referral)? = document["referral"], case .integer(let days)? = referral["expiry_days"] else {
            Issue.record("referral.expiry_days missing")
            return
        }
        #expect(days == 90)
    }

    @Test func readsEveryKindOfValue() throws {
        let document = try parse(
            """
            basic = "a\\tb\\u00e9\\U0001F600"
            literal = 'C:\\path'
            multi = \"\"\"
            one \\
              two\"\"\"
            raw = '''
            x'y'''
            hex = 0xff
            octal = 0o17
            binary = 0b101
            big = 1_000
            negative = -42
            float = 6.02e23
            infinity = -inf
            yes = true
            day = 2005-01-01
            stamp = 1979-05-27 07:32:00Z
            time = 07:32:00.5
            "quoted key" = 1
            a.b.c = 2
            inline = { x = 1, y.z = [1, [2, 3]] }
            list = [
              1, # a comment
              2,
            ]
            [[servers]]
            name = "one"
            [[servers]]
            name = "two"
            [servers.extra]
            port = 1
            """)
        #expect(document["basic"].map(String.init(describing:)) == String(describing: TOMLNode.string("a\tb\u{e9}\u{1F600}")))
        if case .string(let value)? = document["literal"] { #expect(value == "C:\\path") } else { Issue.record("literal") }
        if case .string(let value)? = document["multi"] { #expect(value == "one two") } else { Issue.record("multi") }
        if case .string(let value)? = document["raw"] { #expect(value == "x'y") } else { Issue.record("raw") }
        let integers: [(String, Int)] = [("hex", 255), ("octal", 15), ("binary", 5), ("big", 1000), ("negative", -42)]
        for (key, expected) in integers {
            if case .integer(let value)? = document[key] { #expect(value == expected, "\(key)") } else { Issue.record("\(key)") }
        }
        if case .float? = document["float"] {} else { Issue.record("float") }
        if case .float? = document["infinity"] {} else { Issue.record("infinity") }
        if case .boolean(true)? = document["yes"] {} else { Issue.record("yes") }
        if case .date(2005, 1, 1)? = document["day"] {} else { Issue.record("day") }
        if case .timeOfDay? = document["stamp"] {} else { Issue.record("stamp") }
        if case .timeOfDay? = document["time"] {} else { Issue.record("time") }
        if case .integer(1)? = document["quoted key"] {} else { Issue.record("quoted key") }
        if case .table(let a)? = document["a"], case .table(let b)? = a["b"], case .integer(2)? = b["c"] {} else { Issue.record("a.b.c") }
        if case .array(let servers)? = document["servers"] {
            #expect(servers.count == 2)
            if case .table(let second) = servers[1], case .table(let extra)? = second["extra"], case .integer(1)? = extra["port"] {} else {
                Issue.record("servers[1].extra.port")
            }
        } else {
            Issue.record("servers")
        }
        if case .array(let list)? = document["list"] { #expect(list.count == 2) } else { Issue.record("list") }
    }

    /// Each of these once reached the C++ parser; each is now a syntax error at its place.
    @Test(arguments: [
        ("[#]", 1, 2),
        ("[]", 1, 2),
        ("[a]\n[a]", 2, 1),
        ("a = 1\na = 2", 2, 1),
        ("a = \"unterminated", 1, 18),
        ("a = \"bad \\q escape\"", 1, 11),
        ("a = 01", 1, 5),
        ("a = 1__0", 1, 5),
        ("a = 99999999999999999999", 1, 5),
        ("a = 2005-02-30", 1, 5),
        ("a = [1, 2", 1, 10),
        ("a = { b = 1,\n c = 2 }", 1, 13),
        ("a = { b = 1 }\n[a]", 2, 1),
        ("a = { b = 1 }\na.c = 2", 2, 1),
        ("a.b = 1\n[a]", 2, 1),
        ("a = [1]\n[[a]]", 2, 1),
        ("a = 1 b = 2", 1, 7),
        ("a = \"x\u{0}y\"", 1, 7),
        ("# comment \u{1}", 1, 11),
        ("a = \r", 1, 5),
        ("a = \"\\uD800\"", 1, 12),
        ("\u{FEFF}a = 1", 1, 1),
    ])
    func malformedDocumentsAreSyntaxErrors(text: String, line: Int, column: Int) {
        let found = error(text)
        #expect(found?.line == line, "\(text.debugDescription): \(String(describing: found))")
        #expect(found?.column == column, "\(text.debugDescription): \(String(describing: found))")
    }

    @Test func deepNestingIsRefusedNotRecursed() {
        let deep = "a = " + String(repeating: "[", count: 100_000)
        #expect(error(deep)?.message.contains("nested more than") == true)
        let deepTables = "a = " + String(repeating: "{ b = ", count: 100_000)
        #expect(error(deepTables)?.message.contains("nested more than") == true)
        let longKey = (0..<1000).map { "k\($0)" }.joined(separator: ".") + " = 1"
        #expect(error(longKey)?.message.contains("more than") == true)
    }

    @Test func programCheckReportsTheSyntaxErrorOfABracketHash() {
        do {
            _ = try ProgramFile.parse("[#]\n")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.lines.first?.hasPrefix("line 1, column 2: TOML syntax:") == true, "\(error.lines)")
        }
    }
}
