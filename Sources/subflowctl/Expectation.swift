import ArgumentParser
import SubflowFormats
import SubflowSystem

/// `--expect FILE`: the replay's output must equal the file's lines; a readable diff and exit
/// status 1 otherwise. `--update-expectation` (re)writes the file instead.
struct Expectation {
    var path: String

    func check(_ lines: [String], update: Bool) throws {
        if update {
            do { try TextFile.writeCreating(path, lines.map { $0 + "\n" }.joined()) } catch {
                throw CleanExit.failure("\(excerpt: path): \(error.message)")
            }
            StandardStream.error.writeLine("subflowctl: wrote \(lines.count) expected lines to \(path)")
            return
        }
        let text: String
        do { text = try TextFile.read(path) } catch {
            throw CleanExit.failure("\(excerpt: path): \(error.message) (create it with --update-expectation)")
        }
        let expected = TextLines.split(text).map(String.init).filter { !$0.isEmpty }
        guard expected != lines else { return }
        StandardStream.output.writeLine("--- expected (\(path))\n+++ replayed")
        for line in LineDiff.unified(expected, lines) { StandardStream.output.writeLine(line) }
        throw ExitCode(1)
    }
}

/// A line diff (longest common subsequence): `-` lines only expected, `+` lines only replayed,
/// `  ` lines in both.
enum LineDiff {
    static func unified(_ a: [String], _ b: [String]) -> [String] {
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append("  \(a[i])"); i += 1; j += 1
            } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
                out.append("+ \(b[j])"); j += 1
            } else {
                out.append("- \(a[i])"); i += 1
            }
        }
        return out
    }
}
