#include "gateway/routing/Processor.h"

#include <Poco/Logger.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/identity/PatientLinker.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"
#include "mappings/hl7v2/Charset.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"

namespace medbridge::routing {
namespace {

namespace hl7 = mappings::hl7v2;
constexpr const char* kChannel = "mllp";
constexpr int kBatch = 64;  // items claimed and completed per commit

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.routing.processor");
}

std::string issuesJson(const std::vector<hl7::Issue>& issues) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const auto& i : issues) {
    w.StartObject();
    w.Key("severity");
    w.String(i.severity == hl7::Issue::Severity::Warning ? "warning"
             : i.severity == hl7::Issue::Severity::Error ? "error"
                                                         : "fatal");
    w.Key("location");
    w.String(i.location.c_str());
    w.Key("expression");
    w.String(i.fhirPath.c_str());
    w.Key("text");
    w.String(i.text.c_str());
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::string offsetForZone(const std::string& zone) {
  if (zone == "Asia/Shanghai" || zone == "Asia/Chongqing" || zone == "Asia/Harbin" ||
      zone == "Asia/Urumqi" || zone == "PRC" || zone == "Asia/Hong_Kong" || zone == "Asia/Macau" ||
      zone == "Asia/Taipei")
    return "+08:00";
  if (zone == "UTC" || zone == "Etc/UTC") return "+00:00";
  return "";
}

Processor::Processor(store::IStore& store, const core::WorkerConfig& config,
                     const std::string& offset,
                     const mappings::identity::IdentifierSystems& systems, core::Metrics& metrics,
                     const core::IClock& clock)
    : store_(store),
      config_(config),
      offset_(offset),
      systems_(systems),
      metrics_(metrics),
      clock_(clock) {}

Processor::~Processor() {
  stop();
}

void Processor::start() {
  for (int i = 0; i < config_.count; ++i) threads_.emplace_back([this, i] { run(i); });
}

void Processor::stop() {
  stopping_ = true;
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Processor::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakeups_;
  }
  cv_.notify_one();
}

void Processor::run(int index) {
  std::string owner = "worker-" + std::to_string(index);
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = wakeups_;
    }
    bool worked = false;
    try {
      worked = processBatch(owner);
    } catch (const std::exception& e) {
      log().error("%s: %s", owner, std::string(e.what()));
    }
    if (worked) continue;
    std::unique_lock lock(mutex_);
    // Poll now and then as well: retries become due without a wake-up.
    cv_.wait_for(lock, std::chrono::milliseconds(500),
                 [&] { return stopping_ || wakeups_ != seen; });
  }
}

bool Processor::processBatch(const std::string& owner) {
  auto items = store_.claim(owner, clock_.nowMillis(),
                            static_cast<std::int64_t>(config_.leaseSeconds) * 1000, kBatch);
  if (items.empty()) return false;
  std::vector<store::ProcessOutcome> outcomes;
  outcomes.reserve(items.size());
  for (const auto& item : items) outcomes.push_back(process(item));
  try {
    store_.complete(outcomes, clock_.nowMillis());
  } catch (const std::exception& e) {
    // The store could not take the outcomes: try again later, dead-letter after maxAttempts.
    static thread_local std::mt19937 rng{std::random_device{}()};
    for (const auto& item : items) {
      if (item.attempts >= config_.maxAttempts) {
        store_.deadLetter(item.id, e.what());
        metrics_.add(kChannel, core::Metrics::DeadLettered);
        continue;
      }
      std::int64_t base = static_cast<std::int64_t>(config_.retryBaseSeconds) * 1000
                          << (item.attempts - 1);
      std::int64_t jitter =
          base > 0 ? std::uniform_int_distribution<std::int64_t>(0, base / 2)(rng) : 0;
      store_.retryAt(item.id, clock_.nowMillis() + base + jitter, e.what());
    }
  }
  return true;
}

store::ProcessOutcome Processor::process(const store::QueueItem& item) {
  store::ProcessOutcome out;
  out.queueItemId = item.id;
  out.messageId = item.messageId;
  try {
    auto stored = store_.message(item.messageId);
    if (!stored)
      throw core::Error(core::ErrorCode::Internal,
                        "queued message " + std::to_string(item.messageId) + " is missing");
    hl7::Message msg = hl7::Message::parse(hl7::decodeToUtf8(stored->raw).utf8);
    hl7::MappingContext ctx;
    ctx.receivedAt = core::instantOf(stored->receivedAt);
    ctx.contentHash = stored->contentHash;
    if (!offset_.empty()) ctx.defaultOffset = offset_;
    ctx.systems = &systems_;
    hl7::MappingResult result = hl7::mapMessage(msg, ctx);
    out.issues = issuesJson(result.issues);
    out.unmappedSegments = join(result.unmappedSegments);
    if (!result.mapped) {
      out.status = store::kUnmapped;
      metrics_.add(kChannel, core::Metrics::Unmapped);
    } else if (result.hasErrors()) {
      out.status = store::kFailed;  // a data error: retrying cannot help; kept for inspection
      out.error = "mapping failed; see issues";
      metrics_.add(kChannel, core::Metrics::Failed);
      log().warning("message %Ld (%s) failed to map", item.messageId, result.trigger);
    } else {
      out.status = store::kMapped;
      if (!result.patients.empty()) {
        std::string today = core::chinaDate(clock_.nowMillis());
        out.indexUpdate = [today, patients = result.patients, changes = result.identityChanges](
                              identity::IIndexTables& tables) -> std::string {
          using identity::PatientLinker;
          // An identifier change applies before the record is linked, a merge after it.
          for (const auto& c : changes)
            if (c.kind == "change-identifier")
              if (auto why = PatientLinker::applyChange(patients[0], c, tables); !why.empty())
                return why;
          for (const auto& facts : patients) PatientLinker::link(facts, tables, today);
          for (const auto& c : changes)
            if (c.kind == "merge")
              if (auto why = PatientLinker::applyChange(patients[0], c, tables); !why.empty())
                return why;
          return "";
        };
      }
      out.bundle = result.bundleJson;
      out.identityInstruction = result.identityInstruction;
      for (auto& [key, json] : result.resources) {
        auto slash = key.find('/');
        std::string hash = core::sha256Hex(json);
        // Search index entries are computed here, off the store's writer thread.
        std::vector<mappings::fhir::IndexEntry> index;
        rapidjson::Document doc;
        if (!mappings::fhir::parseJson(json, doc)) index = mappings::fhir::indexEntries(doc);
        out.resources.push_back({key.substr(0, slash), key.substr(slash + 1), std::move(json),
                                 std::move(hash), std::move(index)});
      }
      metrics_.add(kChannel, core::Metrics::Mapped);
    }
  } catch (const core::Error& e) {
    out.status = store::kFailed;
    out.error = e.what();
    metrics_.add(kChannel, core::Metrics::Failed);
  }
  return out;
}

}  // namespace medbridge::routing
