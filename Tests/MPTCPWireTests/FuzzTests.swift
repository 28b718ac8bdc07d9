import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// A deterministic fuzz loop over the captured kernel messages: random truncations, bit
/// flips, length-field rewrites and splices, fed to every decoder. The only requirement is
/// that nothing traps and every failure is a described `NetlinkDecodeError`.
@Suite("Fuzz")
struct FuzzTests {
    /// SplitMix64: small, fast, and the same sequence on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func corpus() throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        for file in [
            "events-ipv4.hex", "events-ipv6.hex", "events-v4mapped.hex", "replies.hex", "commands.hex",
            "genl-ctrl.hex", "rtnetlink.hex", "datagrams.hex",
        ] {
            all += try Captures.load(file).map(\.bytes)
        }
        return all
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:  // truncate
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 1:  // flip one bit
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2:  // rewrite a 16-bit field at an aligned offset (nla_len/nla_type/nlmsg_type)
                let i = Int.random(in: 0..<max(1, bytes.count / 2), using: &rng) * 2
                if i + 1 < bytes.count {
                    let v = UInt16.random(in: 0...UInt16.max, using: &rng)
                    bytes[i] = UInt8(truncatingIfNeeded: v)
                    bytes[i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                }
            case 3:  // rewrite nlmsg_len
                if bytes.count >= 4 {
                    let v = [
                        UInt32(bytes.count), UInt32.random(in: 0...64, using: &rng),
                        UInt32.random(in: 0...UInt32.max, using: &rng),
                    ]
                    .randomElement(using: &rng)!
                    for k in 0..<4 { bytes[k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
                }
            case 4:  // splice random bytes in
                let i = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }, at: i)
            default:  // duplicate the tail (two messages, the second one broken)
                bytes += bytes.suffix(Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return bytes
    }

    /// Runs every decoder; returns how many messages decoded without error.
    static func exercise(_ bytes: [UInt8]) -> Int {
        var ok = 0
        func attempt<T>(_ body: () throws(NetlinkDecodeError) -> T) {
            do {
                _ = try body()
                ok += 1
            } catch {
                precondition(!error.description.isEmpty)
            }
        }
        let messages: [NetlinkMessage]
        do {
            messages = try NetlinkDatagram.split(bytes)
        } catch {
            precondition(!error.description.isEmpty)
            return 0
        }
        for m in messages {
            attempt { () throws(NetlinkDecodeError) in try MPTCPEventDecoder.decode(m).description }
            attempt { () throws(NetlinkDecodeError) in
                let (type, a) = try MPTCPEventDecoder.decodeAttributes(m)
                return a.description(eventType: type) + hexString(a.encode(eventType: type, familyID: 28))
            }
            attempt { () throws(NetlinkDecodeError) in try MPTCPCommand(decoding: m).description }
            attempt { () throws(NetlinkDecodeError) in try NetlinkReply.decode(m).description }
            attempt { () throws(NetlinkDecodeError) in try MPTCPReply.address(m) }
            attempt { () throws(NetlinkDecodeError) in try MPTCPReply.limits(m) }
            attempt { () throws(NetlinkDecodeError) in try GenericNetlinkControl.decodeFamily(m) }
            attempt { () throws(NetlinkDecodeError) in try RouteNetlinkMessage.decode(m) }
            attempt { () throws(NetlinkDecodeError) in
                let a = try NetlinkAttributes(parsing: m.payload.dropFirst(4))
                for attribute in a {
                    _ = try? attribute.u8(); _ = try? attribute.u16(); _ = try? attribute.u32()
                    _ = try? attribute.u64(); _ = try? attribute.string(); _ = try? attribute.nested()
                    _ = try? attribute.bytes(count: 16)
                }
                return a.count
            }
        }
        return ok
    }

    @Test func capturedMessagesAllDecodeSomehow() throws {
        for bytes in try Self.corpus() { #expect(Self.exercise(bytes) > 0) }
    }

    @Test func mutatedMessagesNeverTrap() throws {
        let corpus = try Self.corpus()
        var rng = SplitMix64(state: 0x5EED_F00D)
        var decoded = 0
        for _ in 0..<4000 {
            let input = corpus.randomElement(using: &rng)!
            decoded += Self.exercise(Self.mutate(input, &rng))
        }
        #expect(decoded > 0)  // some mutations stay decodable: the loop did reach the decoders
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(state: 42)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if count >= 4 {  // a plausible nlmsg_len half of the time
                if Bool.random(using: &rng) { bytes[0] = UInt8(count); bytes[1] = 0; bytes[2] = 0; bytes[3] = 0 }
            }
            _ = Self.exercise(bytes)
        }
    }
}
