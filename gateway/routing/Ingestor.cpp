#include "gateway/routing/Ingestor.h"

#include <Poco/Logger.h>

#include <chrono>

#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/routing/IdentityCheck.h"
#include "gateway/routing/RepeatOrderCheck.h"
#include "mappings/hl7v2/Ack.h"
#include "mappings/hl7v2/Charset.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"

namespace medbridge::routing {
namespace {

namespace hl7 = mappings::hl7v2;
using core::Error;
using core::ErrorCode;

constexpr const char* kChannel = "mllp";

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.routing.ingest");
}

// The header of a message that could not be decoded or parsed: from its ASCII MSH line if any.
hl7::AckHeader headerFromRaw(std::string_view raw) {
  if (raw.size() >= 3 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
  std::string line(raw.substr(0, raw.find_first_of("\r\n")));
  if (line.size() >= 8 && line.compare(0, 3, "MSH") == 0 && hl7::isValidUtf8(line)) {
    try {
      return hl7::ackHeaderOf(hl7::Message::parse(line));
    } catch (const Error&) {
    }
  }
  return hl7::AckHeader{};
}

bool supportedVersion(const std::string& v) {
  return v.size() >= 3 && v[0] == '2' && v[1] == '.' && v[2] >= '3' && v[2] <= '8' &&
         (v.size() == 3 || v[3] == '.');
}

// Enhanced mode (MSH-15): whether a commit ACK is wanted for this outcome.
bool wantsAck(const core::MllpConfig& config, const hl7::AckHeader& h, bool success) {
  if (config.ackMode == core::AckMode::Original) return true;
  const std::string& t = h.acceptAckType;
  if (t.empty() || t == "AL") return true;
  if (t == "NE") return false;
  if (t == "ER") return !success;
  if (t == "SU") return success;
  return true;
}

}  // namespace

std::string Ingestor::timestamp() const {
  return core::hl7TimestampOf(clock_.nowMillis());
}

std::string Ingestor::nextAckId() {
  return "MB" + std::to_string(clock_.nowMillis()) + "-" + std::to_string(++ackCounter_);
}

std::string Ingestor::reject(std::string_view partialFrame, ErrorCode code,
                             const std::string& peer) {
  hl7::AckHeader header = headerFromRaw(partialFrame);
  const auto& info = core::errorInfo(code);
  metrics_.add(kChannel, core::Metrics::Rejected);
  log().warning("rejected a frame from %s (control id '%s'): %s", peer, header.controlId,
                std::string(info.text));
  std::string ack =
      hl7::buildAck(header, config_.ackMode == core::AckMode::Enhanced ? "CR" : "AR",
                    {info.hl7Code, "", core::errorId(code) + " " + std::string(info.text)},
                    timestamp(), nextAckId());
  std::string encoding = hl7::encodingForMsh18(header.msh18);
  try {
    return hl7::encodeFromUtf8(ack, encoding.empty() ? "UTF-8" : encoding);
  } catch (const Error&) {
    return ack;
  }
}

std::string Ingestor::ingest(std::string_view frame, const std::string& peer) {
  auto started = std::chrono::steady_clock::now();
  metrics_.add(kChannel, core::Metrics::Received);
  store::InboundMessage in;
  in.channel = kChannel;
  in.raw.assign(frame);
  in.contentHash = core::sha256Hex(frame);
  in.receivedAt = clock_.nowMillis();

  hl7::AckHeader header;
  std::string encoding = "UTF-8";
  std::string code = "AA";
  hl7::AckError error;
  auto fail = [&](ErrorCode c, const std::string& detail, const std::string& location) {
    const auto& info = core::errorInfo(c);
    code = std::string(info.ackCode);
    error = {
        info.hl7Code, location,
        core::errorId(c) + " " + std::string(info.text) + (detail.empty() ? "" : ": " + detail)};
    in.status = "Rejected";
    in.error = error.text;
  };
  // A finding that does not refuse the message: an AA whose ERR (severity W) says why.
  auto warn = [&](const IdentityFinding& warning) {
    const auto& info = core::errorInfo(warning.code);
    error = {info.hl7Code, warning.location,
             core::errorId(warning.code) + " " + std::string(info.text) + ": " + warning.detail};
  };
  try {
    hl7::DecodedMessage decoded = hl7::decodeToUtf8(frame);
    encoding = decoded.encoding;
    hl7::Message msg = hl7::Message::parse(std::move(decoded.utf8));
    header = hl7::ackHeaderOf(msg);
    in.sender = msg.get("MSH-3") + "|" + msg.get("MSH-4");
    in.controlId = msg.get("MSH-10");
    in.version = header.version;
    in.charset = encoding;
    in.messageType = hl7::triggerKey(msg);
    std::string messageCode = msg.get("MSH-9.1");
    std::string version = msg.get("MSH-12.1");
    if (messageCode.empty()) {
      fail(ErrorCode::Hl7MissingMessageType, "", "MSH-9");
    } else if (in.controlId.empty()) {
      fail(ErrorCode::Hl7MissingControlId, "", "MSH-10");
    } else if (!supportedVersion(version)) {
      fail(ErrorCode::Hl7UnsupportedVersion, "'" + version + "'", "MSH-12");
    } else if (!hl7::hasMapping(in.messageType)) {
      if (config_.rejectUnknownTriggers) {
        bool knownType = false;
        for (const char* t : {"ADT", "ORU", "ORM", "OMG", "MDM", "REF"})
          knownType |= messageCode == t;
        if (knownType)
          fail(ErrorCode::Hl7UnknownTrigger, in.messageType, "MSH-9.2");
        else
          fail(ErrorCode::Hl7UnsupportedMessageType, messageCode, "MSH-9.1");
      } else {
        in.status = store::kUnmapped;
      }
    } else if (systems_) {
      if (auto refusal = checkMerge(msg, in.messageType, store_, *systems_)) {
        fail(refusal->code, refusal->detail, refusal->location);
      } else if (auto warning =
                     checkNationalIds(msg, *systems_, core::chinaDate(clock_.nowMillis()))) {
        warn(*warning);
      } else if (repeatOrderDays_ > 0) {
        if (auto repeat = checkRepeatOrder(msg, in.messageType, store_, *systems_,
                                           clock_.nowMillis(), repeatOrderDays_))
          warn(*repeat);
      }
    }
  } catch (const Error& e) {
    header = headerFromRaw(frame);
    std::string declared = hl7::encodingForMsh18(header.msh18);
    encoding = declared.empty() ? "UTF-8" : declared;
    in.sender = header.sendingApp + "|" + header.sendingFacility;
    in.controlId = header.controlId;
    in.version = header.version;
    in.charset = encoding;
    const auto& info = core::errorInfo(e.code());
    std::string location = e.code() == ErrorCode::Hl7MissingMsh              ? "MSH"
                           : e.code() == ErrorCode::Hl7BadEncodingCharacters ? "MSH-2"
                           : e.code() == ErrorCode::Hl7UnsupportedCharset    ? "MSH-18"
                                                                             : "";
    code = std::string(info.ackCode);
    error = {info.hl7Code, location, e.what()};
    in.status = "Rejected";
    in.error = e.what();
  }
  bool success = code == "AA";
  if (config_.ackMode == core::AckMode::Enhanced) code = success ? "CA" : "CR";
  if (wantsAck(config_, header, success)) {
    std::string ack = hl7::buildAck(header, code, error, timestamp(), nextAckId());
    try {
      in.ack = hl7::encodeFromUtf8(ack, encoding);
    } catch (const Error&) {
      in.ack = ack;
    }
  }
  store::AcceptOutcome outcome = store_.accept(in).get();
  std::string answer;
  switch (outcome.kind) {
    case store::AcceptOutcome::Kind::Stored:
      answer = in.ack;
      if (outcome.keyReused)
        log().warning(
            "message %Ld from %s reuses control id '%s' with different content; stored as new",
            outcome.messageId, peer, in.controlId);
      if (in.status == store::kReceived && onQueued_) onQueued_();
      if (in.status == store::kUnmapped) metrics_.add(kChannel, core::Metrics::Unmapped);
      break;
    case store::AcceptOutcome::Kind::Duplicate:
      metrics_.add(kChannel, core::Metrics::Duplicates);
      log().information(
          "message from %s with control id '%s' is a duplicate of %Ld; same answer sent", peer,
          in.controlId, outcome.messageId);
      answer = outcome.ack;
      break;
    case store::AcceptOutcome::Kind::Failed: {
      log().error("store failed, message from %s rejected: %s", peer, outcome.error);
      const auto& info = core::errorInfo(ErrorCode::StoreUnavailable);
      std::string ack =
          hl7::buildAck(header, config_.ackMode == core::AckMode::Enhanced ? "CR" : "AR",
                        {info.hl7Code, "",
                         core::errorId(ErrorCode::StoreUnavailable) + " " + std::string(info.text)},
                        timestamp(), nextAckId());
      try {
        answer = hl7::encodeFromUtf8(ack, encoding);
      } catch (const Error&) {
        answer = ack;
      }
      success = false;
      break;
    }
  }
  if (in.status == "Rejected" || outcome.kind == store::AcceptOutcome::Kind::Failed)
    metrics_.add(kChannel, core::Metrics::Rejected);
  else
    metrics_.add(kChannel, core::Metrics::Acked);
  metrics_.observeLatency(
      kChannel, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return answer;
}

}  // namespace medbridge::routing
