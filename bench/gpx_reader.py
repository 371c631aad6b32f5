"""Benchmark the Location risk page's GPX reader in Chromium, where people run it.

    .venv/bin/python bench/gpx_reader.py [--points 17000,32000] [--repeat 5]

Loads frontend/src/locationrisk/parse.js into a blank Chromium page (the
browser's own DOMParser, as on the page), generates a day of phone history
of each size there, and prints the median time of parseHistory over
--repeat runs. Not part of `make bench`: the page's figure is a one-off
check that "a day of history in well under a second" holds.
"""

import argparse
import re
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PARSER = ROOT / "frontend" / "src" / "locationrisk" / "parse.js"
CHROMIUM = "/usr/bin/chromium"

# The same layout as frontend/tests/gpx.test.js: a point every few seconds, an elevation,
# an accuracy on every third point.
GENERATE = """
(n) => {
  let s = 7
  const random = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648)
  const start = Date.parse('2026-03-02T00:00:00Z')
  let lat = 46.2339, long = 6.0552
  const rows = []
  for (let k = 0; k < n; k++) {
    lat += (random() - 0.5) * 0.0004
    long += (random() - 0.5) * 0.0004
    const time = new Date(start + Math.floor((k * 86400) / n) * 1000).toISOString()
    const acc = k % 3 === 0 ? `<accuracy>${(0.5 + random() / 2).toFixed(3)}</accuracy>` : ''
    rows.push(`<trkpt lat="${lat.toFixed(6)}" lon="${long.toFixed(6)}"><ele>${400 + (k % 50)}`
      + `</ele><time>${time}</time>${acc}</trkpt>`)
  }
  return '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
    + `<trk><trkseg>\\n${rows.join('\\n')}\\n</trkseg></trk></gpx>`
}
"""

MEASURE = """
([text, repeat]) => {
  const times = []
  let read = 0
  for (let r = 0; r < repeat; r++) {
    const started = performance.now()
    const { points, errors } = window.parseHistory(text)
    times.push(performance.now() - started)
    read = points.length + errors.length
  }
  return { times, read }
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="17000,32000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # The module as a classic script: its exports become globals of the page.
    source = re.sub(r"^export ", "", PARSER.read_text(), flags=re.MULTILINE)
    source += "\nwindow.parseHistory = parseHistory\n"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page()
        page.add_script_tag(content=source)
        for n in (int(p) for p in args.points.split(",")):
            text = page.evaluate(f"({GENERATE})({n})")
            page.evaluate("(t) => { window.__gpx = t }", text)
            result = page.evaluate(f"(r) => ({MEASURE})([window.__gpx, r])", args.repeat)
            assert result["read"] == n, result["read"]
            median = statistics.median(result["times"])
            print(f"{n:>7,} points ({len(text) / 1e6:.1f} MB): median {median:.0f} ms in Chromium")
        browser.close()


if __name__ == "__main__":
    main()
