import FuzzSupport
import SubflowConfiguration

/// The configuration file (`--config`, also read by `subflowctl replay --config`): parse and
/// apply; every refusal names the file.
@main
enum ConfigFileFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            do throws(ConfigurationError) {
                var configuration = Configuration()
                try configuration.apply(ConfigFile(path: "fuzz.conf", text: text))
                _ = configuration.filter
            } catch {
                fuzzCheck(
                    error.description.hasPrefix("fuzz.conf"), "configuration error without the file name: \(error)")
            }
        }
    }
}
