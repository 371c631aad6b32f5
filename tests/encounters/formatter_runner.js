// Runs encounters/payload_formatter.js on test vectors for tests/encounters/test_payload.py.
//
// stdin: a JSON list of {"hex": "01...", "fPort": 10, "recvTime": "2024-...Z" or null}.
// stdout: a JSON list, one {"uplink", "legacy", "sandboxed"} per vector:
// decodeUplink's and Decode's results through require(), and decodeUplink's
// again with the file evaluated as a bare script in an empty context, with
// no module or require, the way The Things Stack and ChirpStack run it.
"use strict";

var fs = require("fs");
var path = require("path");
var vm = require("vm");

var FORMATTER = path.join(__dirname, "..", "..", "encounters", "payload_formatter.js");
var formatter = require(FORMATTER);

var sandbox = vm.createContext({});
vm.runInContext(fs.readFileSync(FORMATTER, "utf8"), sandbox, { filename: FORMATTER });

function bytesOf(hex) {
  var bytes = [];
  for (var i = 0; i < hex.length; i += 2) {
    bytes.push(parseInt(hex.substr(i, 2), 16));
  }
  return bytes;
}

var vectors = JSON.parse(fs.readFileSync(0, "utf8"));
var results = vectors.map(function (vector) {
  var input = { bytes: bytesOf(vector.hex), fPort: vector.fPort };
  if (vector.recvTime) {
    input.recvTime = new Date(vector.recvTime);
  }
  sandbox.input = input;
  return {
    uplink: formatter.decodeUplink(input),
    legacy: formatter.Decode(vector.fPort, bytesOf(vector.hex), {}),
    // Through JSON so the other realm's objects compare as plain data.
    sandboxed: JSON.parse(vm.runInContext("JSON.stringify(decodeUplink(input))", sandbox)),
  };
});
process.stdout.write(JSON.stringify(results));
