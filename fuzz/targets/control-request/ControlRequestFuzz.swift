import FuzzSupport
import Logging
import SubflowCore
import SubflowDaemon
import SubflowFormats
import SubflowSimulation
import SubflowSystem

/// One control-socket request line, answered as the daemon answers it (over an idle path
/// manager): every answer is JSON that parses back, `ok` true or false.
@main
enum ControlRequestFuzz {
    static func main() {
        let scheduler = ManualScheduler()
        let manager = PathManager(
            kernel: SimulatedKernel(scheduler: scheduler), scheduler: scheduler,
            logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
        let state = ControlState(manager: manager, pathManagerAtStart: "userspace")
        FuzzDriver.run { bytes in
            let answer: JSONValue
            switch ControlRequests.reply(to: bytes, state: state) {
            case .answer(let value), .startMonitor(let value): answer = value
            }
            let text = answer.text
            fuzzCheck(!text.contains("\n"), "an answer spans lines")
            do {
                let parsed = try JSONParser.parse(text)
                fuzzCheck(parsed["ok"]?.boolValue != nil, "an answer without ok: \(text)")
            } catch {
                fuzzCheck(false, "an answer is not JSON: \(error)")
            }
        }
    }
}
