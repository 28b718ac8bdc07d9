import FuzzSupport
import MPTCPWire
import SubflowSystem

/// sock_diag dumps (start-up recovery and liveness): every socket decoder and what prints it.
@main
enum SockDiagFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            let messages = FuzzNetlink.messages(bytes)
            for message in messages {
                if let socket = try? InetDiagSocket.decode(message) {
                    _ = socket.description
                    _ = socket.state.mask
                }
                if let connection = try? MPTCPConnectionSocket.decode(message) {
                    _ = connection.description
                    _ = connection.token
                }
                if let subflow = try? MPTCPSubflowSocket.decode(message) { _ = subflow.description }
            }
            _ = try? DiagDump.dataMessages(messages)
            if bytes.count >= 4, let info = MPTCPInfo(bytes: Array(bytes.dropFirst(4))) { _ = info.subflows }
        }
    }
}
