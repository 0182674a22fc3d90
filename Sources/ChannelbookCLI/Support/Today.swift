import ChannelbookCore
import ArgumentParser
import Foundation

/// Today's date for `--on` and `--as-of` defaults: the machine's calendar day, replaceable in tests so no
/// test depends on the wall clock.
enum Today {
    @TaskLocal static var provider: @Sendable () -> BusinessDate = {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return BusinessDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    static var date: BusinessDate { provider() }
}

extension BusinessDate: ExpressibleByArgument {
    public init?(argument: String) {
        guard let date = try? BusinessDate.parse(argument) else { return nil }
        self = date
    }
}
