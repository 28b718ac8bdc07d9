import SubflowFormats
import Testing

/// The control socket's wire formats without a daemon: the JSON codec every request and answer
/// goes through, and the Prometheus text writer behind `metrics` and GET /metrics.
@Suite struct ControlJSONTests {
    @Test func writesCompactJSONWithKeysInOrderAndEscapes() {
        let value: JSONValue = [
            "b": 1, "a": ["x", true, nil, 2.5], "text": "quote \" back \\ nl \n tab \t bell \u{07}",
        ]
        #expect(value.text == #"{"b":1,"a":["x",true,null,2.5],"text":"quote \" back \\ nl \n tab \t bell \u0007"}"#)
        #expect(!value.text.contains("\n"), "one answer must stay on one line")
        #expect(JSONValue.double(.infinity).text == "null")
    }

    @Test func parsesWhatItWritesBack() throws {
        let value: JSONValue = [
            "ok": true, "n": -42, "big": .int(Int64.max), "f": 0.125, "e": 1.5e-7,
            "s": "ünïcödé 🚀 \u{1F}", "nested": ["a": [[], [:]]],
        ]
        #expect(try JSONParser.parse(value.text) == value)
    }

    @Test func parsesEscapesAndSurrogatePairs() throws {
        let parsed = try JSONParser.parse(#" { "k" : "a\u00e9\ud83d\ude80\/\b" , "n" : [ 1 , 2.0 , 3e2 ] } "#)
        #expect(parsed["k"]?.stringValue == "aé🚀/\u{08}")
        #expect(parsed["n"]?.arrayValue?.compactMap(\.doubleValue) == [1, 2, 300])
        #expect(parsed["n"]?.arrayValue?.first == .int(1))
    }

    @Test(arguments: [
        "", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"\\x\"",
        "\"\u{01}\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1}{", "{\"a\":1,\"a\":2}", "NaN", "[1] x", "\"abc",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep =
            String(repeating: "[", count: JSONParser.maximumDepth + 1)
            + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine =
            String(repeating: "[", count: JSONParser.maximumDepth)
            + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func objectsReplaceKeysInPlace() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSONValue.object(object).text == #"{"a":3,"c":4}"#)
    }
}

@Suite struct MetricsExpositionTests {
    @Test func writesHelpTypeAndSamples() {
        var out = PrometheusExposition()
        out.add(
            "subflowd_events_total", .counter, help: "Events by type.",
            [.init([("type", "CREATED")], 3), .init([("type", "SUB_ESTABLISHED")], 12)])
        out.add("subflowd_uptime_seconds", .gauge, help: "Seconds up.", value: 12.5)
        out.add("subflowd_connections", .gauge, help: "None yet.", [])
        #expect(
            out.text == """
                # HELP subflowd_events_total Events by type.
                # TYPE subflowd_events_total counter
                subflowd_events_total{type="CREATED"} 3
                subflowd_events_total{type="SUB_ESTABLISHED"} 12
                # HELP subflowd_uptime_seconds Seconds up.
                # TYPE subflowd_uptime_seconds gauge
                subflowd_uptime_seconds 12.5
                # HELP subflowd_connections None yet.
                # TYPE subflowd_connections gauge

                """)
    }

    @Test func escapesLabelValuesAndHelp() {
        var out = PrometheusExposition()
        out.add("m_total", .counter, help: "back\\slash\nnewline", [.init([("l", "a\"b\\c\nd")], 1)])
        #expect(out.text.contains(#"# HELP m_total back\\slash\nnewline"#))
        #expect(out.text.contains(#"m_total{l="a\"b\\c\nd"} 1"#))
    }

    @Test func formatsValuesAsTheFormatSpellsThem() {
        #expect(PrometheusExposition.format(42) == "42")
        #expect(PrometheusExposition.format(-3) == "-3")
        #expect(PrometheusExposition.format(0.25) == "0.25")
        #expect(PrometheusExposition.format(.nan) == "NaN")
        #expect(PrometheusExposition.format(.infinity) == "+Inf")
        #expect(PrometheusExposition.format(-.infinity) == "-Inf")
        #expect(Double(PrometheusExposition.format(1e20)) == 1e20)
    }

    @Test func validatesNames() {
        #expect(PrometheusExposition.isValidMetricName("subflowd_events_total"))
        #expect(PrometheusExposition.isValidMetricName("a:b_c9"))
        #expect(!PrometheusExposition.isValidMetricName("9lives"))
        #expect(!PrometheusExposition.isValidMetricName("has-dash"))
        #expect(!PrometheusExposition.isValidMetricName(""))
        #expect(PrometheusExposition.isValidLabelName("api_version"))
        #expect(!PrometheusExposition.isValidLabelName("__reserved"))
        #expect(!PrometheusExposition.isValidLabelName("a:b"))
    }
}
