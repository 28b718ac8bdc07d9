extension SubflowdCommand {
    /// Applies --control-socket, --control-group and --metrics-listen on top of the file's
    /// `control-socket`, `control-group` and `metrics-listen`.
    func applyControlOptions(to c: inout Configuration) throws(ConfigurationError) {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError("command line", nil, message) }
        if let controlSocket {
            guard controlSocket == "none" || controlSocket.hasPrefix("/") else {
                throw fail("--control-socket \(controlSocket): expected an absolute path, or none")
            }
            c.controlSocket = controlSocket == "none" ? nil : controlSocket
        }
        if let controlGroup {
            c.controlGroup = controlGroup.isEmpty ? nil : controlGroup
            c.controlOrigin = .commandLine
        }
        if let metricsListen {
            guard metricsListen == "none" || ControlSettings.listenAddress(metricsListen) != nil else {
                throw fail("--metrics-listen \(metricsListen): expected ADDRESS:PORT, [IPv6]:PORT, or :PORT / PORT for 127.0.0.1")
            }
            c.metricsListen = metricsListen == "none" ? nil : metricsListen
            c.controlOrigin = .commandLine
        }
    }
}
