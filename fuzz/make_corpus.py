#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/<target>/ from the repository's golden inputs.

Run from the repository root after `swift build --product subflowctl` (the pcap seeds are the
scenario library built into traces). The corpus is committed; rerun this when the golden
captures, scenarios or configuration change. Seed names say where each input came from.
"""
import pathlib, re, shutil, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
CAPTURES = ROOT / "Tests" / "MPTCPWireTests" / "Captures"
SCENARIOS = ROOT / "Tests" / "SubflowTraceTests" / "Scenarios"

def captures(name):
    """(what, bytes) for every message of a Captures/*.hex file."""
    what = None
    for line in (CAPTURES / name).read_text().splitlines():
        if line.startswith("# what="):
            what = line[2:].split()[0].split("=", 1)[1]
        elif line and not line.startswith("#") and what:
            yield what, bytes.fromhex(line.strip())
            what = None

def swift_hex_constants(path):
    """(name, bytes) for every `static let NAME = hex(\"\"\" ... \"\"\")` or hex("...") in a test file."""
    text = path.read_text()
    for m in re.finditer(r'static let (\w+) = hex\((?:"""(.*?)"""|"([0-9a-f]+)")\)', text, re.S):
        body = m.group(2) if m.group(2) is not None else m.group(3)
        body = "".join(re.sub(r"//.*", "", l) for l in body.splitlines())
        yield m.group(1), bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", body))

def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / re.sub(r"[^A-Za-z0-9_.-]", "_", name)).write_bytes(data if isinstance(data, bytes) else data.encode())

def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    for f in ["events-ipv4.hex", "events-ipv6.hex", "events-v4mapped.hex"]:
        for what, data in captures(f):
            write("mptcp-event", what, data)
    for what, data in captures("commands.hex"):
        write("mptcp-command", what, data)
    for what, data in captures("replies.hex"):
        write("netlink-reply", what, data)
    for what, data in captures("datagrams.hex"):
        write("netlink-reply", what, data)
        write("rtnetlink", what, data)
    for what, data in captures("rtnetlink.hex"):
        write("rtnetlink", what, data)
    for what, data in captures("genl-ctrl.hex"):
        write("nlctrl", what, data)
    for name, data in swift_hex_constants(ROOT / "Tests" / "MPTCPWireTests" / "DiagTests.swift"):
        write("sock-diag", name, data)
        if name.startswith("getAddr"):
            write("netlink-reply", name, data)

    subflowctl = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".build" / "debug" / "subflowctl"
    for scenario in sorted(SCENARIOS.rglob("*.scenario")):
        name = f"{scenario.parent.name}-{scenario.stem}"
        write("scenario", name, scenario.read_bytes())
        out = CORPUS / "pcap" / f"{name}.pcap"
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(subflowctl), "trace", "build", str(scenario), "-o", str(out)], check=True,
                       stderr=subprocess.DEVNULL)

    # Comments are most of the shipped file: the seed keeps its sections and keys (commented-out
    # examples uncommented), short inputs fuzz faster.
    conf = []
    for line in (ROOT / "conf" / "subflowd.conf").read_text().splitlines():
        example = re.match(r"#\s*([a-z-]+\s*=.*)", line)
        if line.startswith("[") or (line and not line.startswith("#")):
            conf.append(line)
        elif example:
            conf.append(example.group(1))
    write("config", "subflowd.conf", "\n".join(conf) + "\n")
    write("config", "policies", "[core]\npolicy = fullmesh\nrule = side=server local-port=443 => signal-per-interface\n"
          "[policy.fullmesh]\nmax-subflows = 4\n[addresses]\nexclude-interface = lo\n")

    requests = ['{"command":"status"}', '{"command":"connections","id":7}', '{"command":"metrics"}',
                '{"command":"monitor","id":"m"}', '{"command":"nope"}', '[1,2.5,-3e10,true,false,null]',
                '{"a":{"b":["\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\"]}}']
    for index, text in enumerate(requests):
        write("json", f"request-{index}", text)
        write("control-request", f"request-{index}", text)

    write("http-head", "get-metrics", "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9638\r\nUser-Agent: Prometheus\r\n\r\n")
    write("http-head", "head-metrics-lf", "HEAD /metrics?x=1 HTTP/1.0\n\n")
    write("http-head", "post-other", "POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n")

if __name__ == "__main__":
    main()
