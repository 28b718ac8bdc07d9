/// Lines of a text file, whatever its line ends: "\n", "\r\n" (Windows) or a lone "\r".
///
/// Swift treats "\r\n" as ONE Character, so `split(separator: "\n")` never splits a CRLF
/// file: the whole file becomes one line, and a comment on its first line silently hides
/// everything after it. Every line-based reader of outside text (configuration, scenarios,
/// expectations) splits with this instead.
public enum TextLines {
    /// The lines in order (index + 1 is the line number); empty lines are kept so that
    /// numbers stay right.
    public static func split(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: isLineEnd)
    }

    public static func isLineEnd(_ c: Character) -> Bool { c == "\n" || c == "\r\n" || c == "\r" }
}
