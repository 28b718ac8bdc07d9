/// A property a fuzz target asserts: a failure traps with the message, which libFuzzer reports
/// as a crash and saves the input for (`precondition` is compiled out at -Ounchecked, this is not).
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
