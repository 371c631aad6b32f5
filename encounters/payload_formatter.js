// Proximeter encounter uplink: payload formatter (LoRaWAN FPort 10, payload version 1).
//
// For operators watching live data in the network server's console. The portal
// does not use the fields decoded here: it decodes the raw payload itself
// (encounters/payload.py), and the tests hold both decoders to the same vectors.
// Format: docs/payload-format.md.
//
// One file serves three network servers; paste it whole:
// - The Things Stack v3: decodeUplink(input), input = {bytes, fPort, recvTime}.
//   Console: Applications > Payload formatters > Uplink > Custom Javascript formatter.
// - ChirpStack v4: the same decodeUplink(input), input = {bytes, fPort, recvTime,
//   variables}. Device profile > Codec > JavaScript functions.
// - ChirpStack v3: Decode(fPort, bytes, variables) returns the data object.
//
// Plain ECMAScript 5.1 (var, function, no modules): The Things Stack runs
// formatters in an ES5.1 engine, ChirpStack v4 in QuickJS.
//
// Payload, all integers big-endian:
//   0   1  version = 0x01
//   1   4  my_tag   (uint32) the sending device's Tag ID
//   then N >= 1 records of 10 bytes:
//   +0  4  ref_tag  (uint32) the peer's Tag ID
//   +4  4  start    (uint32) start of the encounter, Unix seconds, UTC
//   +8  2  slots    (uint16) number of 30-second slots, >= 1

var ENCOUNTER_FPORT = 10;
var PAYLOAD_VERSION = 1;
var HEADER_SIZE = 5;
var RECORD_SIZE = 10;
var SLOT_SECONDS = 30;
var MAX_RECORDS = 23;
// The portal's default: a record starting more than 5 minutes after the
// uplink was received is refused there as "start_in_future".
var CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

function readUint32(bytes, offset) {
  // Shifting the top byte by 24 makes a negative int32 in JavaScript;
  // ">>> 0" reads the same 32 bits back as unsigned.
  return (
    ((bytes[offset] << 24) |
      (bytes[offset + 1] << 16) |
      (bytes[offset + 2] << 8) |
      bytes[offset + 3]) >>>
    0
  );
}

function readUint16(bytes, offset) {
  return ((bytes[offset] << 8) | bytes[offset + 1]) >>> 0;
}

function pad2(number) {
  return number < 10 ? "0" + number : "" + number;
}

function isoUtc(seconds) {
  // 2024-05-01T12:00:00Z, as encounters/payload.py writes it.
  var date = new Date(seconds * 1000);
  return (
    date.getUTCFullYear() +
    "-" +
    pad2(date.getUTCMonth() + 1) +
    "-" +
    pad2(date.getUTCDate()) +
    "T" +
    pad2(date.getUTCHours()) +
    ":" +
    pad2(date.getUTCMinutes()) +
    ":" +
    pad2(date.getUTCSeconds()) +
    "Z"
  );
}

function millis(moment) {
  // recvTime is a Date in both network servers; accept an ISO string or a
  // number too. NaN when there is none.
  if (moment === undefined || moment === null) {
    return NaN;
  }
  if (typeof moment.getTime === "function") {
    return moment.getTime();
  }
  if (typeof moment === "number") {
    return moment;
  }
  return Date.parse(moment);
}

function toByteArray(bytes) {
  var out = [];
  var i;
  if (!bytes) {
    return out;
  }
  for (i = 0; i < bytes.length; i++) {
    out.push(bytes[i] & 0xff);
  }
  return out;
}

// {data} for a well-formed payload, else {error: "<reason>: <message>"};
// the reasons are those of encounters.payload.PayloadError.
function decodeEncounters(bytes) {
  var length = bytes.length;
  var count;
  var encounters = [];
  var i;
  var offset;
  var start;
  var slots;
  if (length === 0) {
    return { error: "empty: payload is empty" };
  }
  if (bytes[0] !== PAYLOAD_VERSION) {
    return {
      error:
        "unknown_version: unknown payload version " +
        bytes[0] +
        " (this decoder reads version " +
        PAYLOAD_VERSION +
        ")",
    };
  }
  if (length === HEADER_SIZE) {
    return { error: "no_records: payload holds a header but no encounter records" };
  }
  if (length < HEADER_SIZE || (length - HEADER_SIZE) % RECORD_SIZE !== 0) {
    return {
      error:
        "bad_length: payload of " +
        length +
        " bytes; the length must be " +
        HEADER_SIZE +
        " + " +
        RECORD_SIZE +
        "*N with N >= 1",
    };
  }
  count = (length - HEADER_SIZE) / RECORD_SIZE;
  if (count > MAX_RECORDS) {
    return {
      error:
        "too_many_records: payload holds " +
        count +
        " records; at most " +
        MAX_RECORDS +
        " fit the largest LoRaWAN payload (242 bytes)",
    };
  }
  for (i = 0; i < count; i++) {
    offset = HEADER_SIZE + i * RECORD_SIZE;
    start = readUint32(bytes, offset + 4);
    slots = readUint16(bytes, offset + 8);
    encounters.push({
      ref_tag: readUint32(bytes, offset),
      start: start,
      start_iso: isoUtc(start),
      slots: slots,
      seconds: slots * SLOT_SECONDS,
    });
  }
  return {
    data: {
      version: bytes[0],
      my_tag: readUint32(bytes, 1),
      encounters: encounters,
    },
  };
}

// Why the portal will refuse each record, as warnings "encounters[i]: <reason> ...",
// in the order of encounters.payload.classify. Records past the retention window
// are not flagged: the formatter does not know the portal's retention.
function recordWarnings(data, receivedMs) {
  var warnings = [];
  var i;
  var encounter;
  for (i = 0; i < data.encounters.length; i++) {
    encounter = data.encounters[i];
    if (encounter.slots === 0) {
      warnings.push("encounters[" + i + "]: zero_slots (slots must be at least 1)");
    } else if (encounter.ref_tag === data.my_tag) {
      warnings.push("encounters[" + i + "]: self_encounter (ref_tag equals my_tag)");
    } else if (!isNaN(receivedMs) && encounter.start * 1000 > receivedMs + CLOCK_TOLERANCE_MS) {
      warnings.push(
        "encounters[" +
          i +
          "]: start_in_future (" +
          encounter.start_iso +
          " is more than 5 minutes after the uplink was received)"
      );
    }
  }
  return warnings;
}

// The Things Stack v3 and ChirpStack v4.
function decodeUplink(input) {
  var decoded;
  if (input.fPort !== ENCOUNTER_FPORT) {
    return {
      data: {},
      warnings: ["not an encounter uplink (FPort " + input.fPort + ")"],
    };
  }
  decoded = decodeEncounters(toByteArray(input.bytes));
  if (decoded.error) {
    return { errors: [decoded.error] };
  }
  return {
    data: decoded.data,
    warnings: recordWarnings(decoded.data, millis(input.recvTime)),
    errors: [],
  };
}

// ChirpStack v3 (legacy): the data object itself, {} for other FPorts.
function Decode(fPort, bytes, variables) {
  var decoded;
  if (fPort !== ENCOUNTER_FPORT) {
    return {};
  }
  decoded = decodeEncounters(toByteArray(bytes));
  if (decoded.error) {
    return { error: decoded.error };
  }
  return decoded.data;
}

// For the tests under Node; network servers have no `module` and skip this.
if (typeof module !== "undefined") {
  module.exports = { decodeUplink: decodeUplink, Decode: Decode };
}
