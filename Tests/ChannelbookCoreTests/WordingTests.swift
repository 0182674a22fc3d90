import ChannelbookCore
import Testing

@Suite struct WordingTests {
    @Test func countsAreSingularForExactlyOne() {
        #expect(Wording.count(0, "line") == "0 lines")
        #expect(Wording.count(1, "line") == "1 line")
        #expect(Wording.count(2, "line") == "2 lines")
        #expect(Wording.count(1, "renewal opportunity", plural: "renewal opportunities") == "1 renewal opportunity")
        #expect(Wording.count(7, "renewal opportunity", plural: "renewal opportunities") == "7 renewal opportunities")
    }
}
