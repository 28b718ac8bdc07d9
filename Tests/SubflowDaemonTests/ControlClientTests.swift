import Glibc
import SubflowFormats
import SubflowSystem
import SubflowTestSupport
import Testing

@testable import SubflowDaemon

extension DaemonLoopTests {
    /// A control client over a socketpair, answered as the control server answers it
    /// (ControlRequests): request lines in any chunking, the line-length bound, the answer
    /// backlog that stops reading a client who leaves its answers unread.
    @Suite struct ControlClients {
        final class Served {
            let loop: EventLoop
            let peer: Peer
            let client: ControlClient
            var closedBecause: [String] = []

            init() throws {
                loop = try EventLoop()
                let (fd, peer) = Peer.pair()
                self.peer = peer
                let connection = try BufferedConnection(fd: fd, loop: loop)
                // A small kernel buffer, so that the answer backlog is reached with few requests.
                connection.stream.setSendBuffer(bytes: 4_096)
                client = ControlClient(
                    id: 1, peer: PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()), connection: connection)
                let state = ControlRequestsTests.state()
                client.onRequest = { client, line in
                    if case .answer(let answer) = ControlRequests.reply(to: line, state: state) {
                        client.answer(answer)
                    }
                }
                client.onClosed = { [unowned self] _, reason in self.closedBecause.append(reason) }
            }

            deinit {
                client.onClosed = { _, _ in }  // it holds this object unowned
                client.connection.close(because: "test over")
            }

            /// The answers received so far, parsed.
            func answers() throws -> [JSONValue] { try peer.lines.map { try JSONParser.parse($0) } }
        }

        @Test(
            "a request split over several reads is answered once its newline arrives; CR and blank lines do not matter")
        func partialLines() throws {
            let served = try Served()
            served.peer.send(#"{"command":"reboot","#)
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 20) }
            served.peer.read()
            #expect(served.peer.received.isEmpty, "answered half a request")
            served.peer.send("\"id\":7}\r\n\n \t\n")
            #expect(served.peer.read(turning: served.loop, until: { served.peer.lines.count == 1 }))
            var answers = try served.answers()
            #expect(answers.first?["code"]?.stringValue == "unknown_command" && answers.first?["id"] == 7, "\(answers)")

            // A refusal leaves the connection open for the next request.
            served.peer.send(#"{"command":"status","id":8}"# + "\n")
            #expect(served.peer.read(turning: served.loop, until: { served.peer.lines.count == 2 }))
            answers = try served.answers()
            #expect(answers.count == 2 && answers[1]["ok"] == true && answers[1]["id"] == 8, "\(answers)")
            #expect(served.closedBecause.isEmpty)
        }

        @Test("pipelined requests, more than one turn serves, are all answered in order")
        func pipelinedInOrder() throws {
            let served = try Served()
            let count = 5 * ControlClient.requestsPerTurn + 3
            served.peer.send((0..<count).map { #"{"command":"nope","id":\#($0)}"# + "\n" }.joined())
            #expect(
                served.peer.read(turning: served.loop, until: { served.peer.lines.count == count }),
                "\(served.peer.lines.count) answers")
            #expect(try served.answers().map { $0["id"] } == (0..<count).map { JSONValue.int(Int64($0)) })
        }

        @Test("a line over the bound is refused with bad_request, and the connection closes once the refusal was read")
        func lineTooLong() throws {
            let served = try Served()
            served.peer.send([UInt8](repeating: 0x61, count: ControlClient.maximumRequestBytes + 10))
            #expect(served.peer.read(turning: served.loop, until: { served.peer.sawEnd }), "not closed")
            let answers = try served.answers()
            #expect(answers.count == 1)
            #expect(answers.first?["code"]?.stringValue == "bad_request")
            #expect(
                answers.first?["error"]?.stringValue?.contains("longer than \(ControlClient.maximumRequestBytes) bytes")
                    == true)
            #expect(served.closedBecause == ["done"])
        }

        @Test(
            "a client that leaves its answers unread is no longer read or served, its backlog stays bounded, and it gets every answer once it reads"
        )
        func answerBacklog() throws {
            let served = try Served()
            let count = 2_000
            served.peer.send((0..<count).map { #"{"command":"status","id":\#($0)}"# + "\n" }.joined())
            let connection = served.client.connection
            #expect(
                turn(
                    served.loop,
                    until: {
                        connection.stream.isReadingPaused && connection.pendingBytes > ControlClient.answerBacklog
                    }),
                "never paused: \(connection.pendingBytes) bytes queued")
            for _ in 0..<10 { served.loop.iterate(timeoutMilliseconds: 20) }
            let oneAnswer = 4_096
            #expect(
                connection.pendingBytes <= ControlClient.answerBacklog + oneAnswer,
                "\(connection.pendingBytes) bytes queued")
            #expect(
                served.peer.read(turning: served.loop, until: { served.peer.lines.count == count }),
                "\(served.peer.lines.count) answers")
            #expect(try served.answers().map { $0["id"] } == (0..<count).map { JSONValue.int(Int64($0)) })
            #expect(served.closedBecause.isEmpty)
        }
    }
}
