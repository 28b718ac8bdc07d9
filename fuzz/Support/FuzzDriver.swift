import CFuzzer
import Glibc

/// Runs libFuzzer over one fuzz target. Each target's `@main` calls `run`, which hands
/// libFuzzer's command line to its driver: SwiftPM names an executable's entry point after
/// its module, so libFuzzer's own `main` cannot be used, but its `LLVMFuzzerRunDriver` can.
public enum FuzzDriver {
    nonisolated(unsafe) private static var body: ([UInt8]) -> Void = { _ in }

    /// Never returns: libFuzzer exits when the run ends (status 0) or on a crash (non-zero).
    public static func run(_ target: @escaping ([UInt8]) -> Void) -> Never {
        body = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzDriver.body(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
        exit(status)
    }
}
