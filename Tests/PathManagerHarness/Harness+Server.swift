import MPTCPWire
import SubflowPolicy

extension Harness {
    /// A server with `paths` interfaces srv-a (index 2), srv-b (3), srv-c (4), …, holding
    /// 198.18.N.2/24 and 2001:db8:N::2/64 each.
    func serverHost(paths: Int = 3) {
        for n in 1...paths {
            let index = Int32(n + 1)
            link(index, "srv-\(String(UnicodeScalar(UInt8(96 + n))))")
            address("198.18.\(n).2", on: index)
            address("2001:db8:\(n)::2", on: index, prefix: 64)
        }
    }

    /// A connection accepted on port 5201 of `local`.
    func serverConnection(
        _ token: UInt32, local: String = "198.18.1.2", remote: String = "198.18.1.1"
    ) -> ConnectionEventInfo {
        connection(token, from: local, 5201, to: remote, 40000, server: true)
    }

    /// ANNOUNCE commands as "TOKEN ADDRESS id=N dev=I port=P", in order.
    var announcements: [String] {
        kernel.commands.compactMap {
            guard case .announce(let token, let entry) = $0, let address = entry.address else { return nil }
            return
                "\(token) \(address) id=\(entry.id.map { "\($0)" } ?? "-") dev=\(entry.interface.map { "\($0)" } ?? "-") port=\(entry.port)"
        }
    }

    /// REMOVE commands as "TOKEN id=N", in order.
    var removals: [String] {
        kernel.commands.compactMap {
            guard case .remove(let token, let id) = $0 else { return nil }
            return "\(token) id=\(id)"
        }
    }
}
