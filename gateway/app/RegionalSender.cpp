#include "gateway/app/RegionalSender.h"

#include <Poco/Logger.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "gateway/app/PlatformBundle.h"
#include "gateway/app/PlatformClients.h"
#include "gateway/core/Time.h"
#include "mappings/fhir/Json.h"

namespace medbridge::app {
namespace {

constexpr int kScan = 1000;      // pending changes looked at per pass
constexpr int kMaxBundle = 100;  // changes per Bundle

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.regional");
}

std::string answerText(const adapters::regional::PlatformAnswer& a) {
  if (a.status == 0) return "no answer: " + a.problem;
  std::string text = "HTTP " + std::to_string(a.status);
  if (!a.problem.empty()) text += " (" + a.problem + ")";
  return text + (a.body.empty() ? "" : ": " + a.body);
}

// The same for log lines: without the platform's answer, which may name a patient's identifiers
// (kept with the delivery and shown at /admin/deliveries instead).
std::string logText(const adapters::regional::PlatformAnswer& a) {
  if (a.status == 0) return "no answer: " + a.problem;
  return "HTTP " + std::to_string(a.status) + (a.problem.empty() ? "" : " (" + a.problem + ")");
}

// The failure's kind for the metrics: no-answer, http-401, http-429, http-5xx, rejected.
std::string failureKind(const adapters::regional::PlatformAnswer& a) {
  if (a.status == 0) return "no-answer";
  if (a.kind == adapters::regional::PlatformAnswer::Kind::Rejected) return "rejected";
  if (a.status >= 500) return "http-5xx";
  return "http-" + std::to_string(a.status);
}

std::string jsonString(const std::string& s) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return out.GetString();
}

}  // namespace

RegionalSender::RegionalSender(const core::GatewayConfig& config, std::string destination,
                               std::vector<std::string> urls, store::IStore& store,
                               const mappings::identity::IdentifierSystems& systems,
                               const core::IClock& clock)
    : config_(config),
      destination_(std::move(destination)),
      urls_(std::move(urls)),
      store_(store),
      systems_(systems),
      clock_(clock) {
  clients_ = platformClients(config.regional, urls_);
  paused_ = store_.setting(pausedSetting()) == "1";
}

std::string RegionalSender::pausedSetting() const {
  return destination_.empty() ? "regional.paused" : "regional.paused." + destination_;
}

std::string RegionalSender::name() const {
  return destination_.empty() ? "the regional platform" : "hospital " + destination_;
}

RegionalSender::~RegionalSender() {
  stop();
}

void RegionalSender::start() {
  if (paused_) log().warning("delivery to %s is paused (resume it at /admin/deliveries)", name());
  loop_.start([this] { return sendDue(); }, std::chrono::milliseconds(200),
              "medbridge.app.regional", "delivery to " + name());
}

void RegionalSender::stop() {
  loop_.stop();
}

void RegionalSender::setPaused(bool paused) {
  store_.putSetting(pausedSetting(), paused ? "1" : "0");
  paused_ = paused;
  log().information("delivery to %s %s", name(), std::string(paused ? "paused" : "resumed"));
  if (!paused) loop_.wake();
}

bool RegionalSender::expired(const store::Delivery& d, std::int64_t now,
                             std::vector<store::DeliveryOutcome>& out) {
  const auto& r = config_.regional;
  std::string why;
  if (r.maxAgeHours > 0 && d.createdAt > 0 && now - d.createdAt > r.maxAgeHours * 3600000LL)
    why = "not delivered within regional.maxAgeHours (" + std::to_string(r.maxAgeHours) + " h)";
  else if (r.maxAttempts > 0 && d.attempts >= r.maxAttempts)
    why = "not delivered in regional.maxAttempts (" + std::to_string(r.maxAttempts) + ") attempts";
  if (why.empty()) return false;
  log().warning("%s/%s version %d dead-lettered (delivery %Ld): %s", d.type, d.resourceId,
                d.version, d.id, why);
  if (!d.lastError.empty()) why += "; last error: " + d.lastError;
  out.push_back({d.id, "dead", 0, why, /*attempted=*/false});
  return true;
}

int RegionalSender::sendDue() {
  std::int64_t now = clock_.nowMillis();
  if (paused_ || now < breakerOpenUntil_) return 0;
  // Up to regional.concurrentBundles Bundles go at once, each patient's changes in one of them.
  std::size_t lanes = static_cast<std::size_t>(config_.regional.concurrentBundles);
  std::set<std::string> blocked, inFlight;    // patients that wait; resources being sent
  std::map<std::string, std::size_t> laneOf;  // patient → its Bundle
  std::vector<std::vector<store::Delivery>> batches(1);
  std::vector<store::DeliveryOutcome> expiredOnes;
  for (auto& d : store_.deliveries({destination_, "pending", 0, kScan})) {
    if (blocked.count(d.patient)) continue;
    if (expired(d, now, expiredOnes)) continue;
    std::string resource = d.type + "/" + d.resourceId;
    auto lane = laneOf.find(d.patient);
    bool full =
        lane == laneOf.end() && batches.back().size() >= kMaxBundle && batches.size() >= lanes;
    if (d.availableAt > now || inFlight.count(resource) ||
        (lane != laneOf.end() && batches[lane->second].size() >= kMaxBundle) || full) {
      blocked.insert(d.patient);  // nothing of this patient overtakes it
      continue;
    }
    if (lane == laneOf.end()) {
      if (batches.back().size() >= kMaxBundle) batches.emplace_back();
      lane = laneOf.emplace(d.patient, batches.size() - 1).first;
    }
    inFlight.insert(resource);
    batches[lane->second].push_back(std::move(d));
    if (batches.size() == lanes && batches.back().size() >= kMaxBundle) break;
  }
  if (!expiredOnes.empty()) store_.finishDeliveries(expiredOnes);
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < batches.size(); ++i)
    others.emplace_back([this, &batches, i] {
      std::set<std::string> waiting;
      send(batches[i], waiting);
    });
  std::set<std::string> waiting;
  if (!batches[0].empty()) send(batches[0], waiting);
  for (auto& t : others) t.join();
  std::size_t attempted = expiredOnes.size();
  for (const auto& b : batches) attempted += b.size();
  return static_cast<int>(attempted);
}

void RegionalSender::send(const std::vector<store::Delivery>& batch,
                          std::set<std::string>& waiting) {
  auto answer = post(platformBundle(batch, store_, systems_, core::chinaDate(clock_.nowMillis()),
                                    /*patientsByRegionalKey=*/destination_.empty()));
  using Kind = adapters::regional::PlatformAnswer::Kind;
  if (answer.kind == Kind::Rejected && batch.size() > 1) {
    // The platform refuses the whole transaction for one bad change: the one its answer names
    // is dead-lettered and the rest sent again; when it names none, halves find it in a few
    // exchanges. A patient with a change left waiting keeps its later ones (they stay queued,
    // unattempted), so none overtakes it.
    int blamed = adapters::regional::refusedEntry(answer.body);
    std::vector<std::vector<store::Delivery>> parts;
    if (blamed >= 0 && blamed < static_cast<int>(batch.size())) {
      deadLetter(batch[blamed], answer);
      parts.emplace_back(batch);
      parts.back().erase(parts.back().begin() + blamed);
    } else {
      std::size_t half = batch.size() / 2;
      parts.emplace_back(batch.begin(), batch.begin() + half);
      parts.emplace_back(batch.begin() + half, batch.end());
    }
    for (auto& part : parts) {
      part.erase(std::remove_if(part.begin(), part.end(),
                                [&](const store::Delivery& d) { return waiting.count(d.patient); }),
                 part.end());
      if (!part.empty()) send(part, waiting);
    }
    return;
  }
  std::int64_t now = clock_.nowMillis();
  std::unique_lock<std::mutex> state(stateMutex_);
  if ((answer.kind == Kind::Retry) != platformDown_) {
    platformDown_ = answer.kind == Kind::Retry;
    if (platformDown_)
      log().warning("%s unavailable (%s); changes wait", name(), logText(answer));
    else
      log().information("%s available again at %s", name(), clients_[current_].baseUrl());
  }
  if (answer.kind == Kind::Retry) {
    if (++failuresInARow_ >= config_.regional.breakerFailures) {
      breakerOpenUntil_ = now + config_.regional.breakerOpenSeconds * 1000LL;
      if (!breakerOpen_)
        log().warning("circuit open after %d failed attempts in a row: nothing is sent for %d s",
                      failuresInARow_, config_.regional.breakerOpenSeconds);
      std::lock_guard<std::mutex> lock(metricsMutex_);
      breakerOpen_ = true;
    }
  } else {
    failuresInARow_ = 0;
    std::lock_guard<std::mutex> lock(metricsMutex_);
    if (breakerOpen_) log().information("circuit closed: the platform answers again");
    breakerOpen_ = false;
  }
  state.unlock();
  count(answer, batch);
  std::vector<store::DeliveryOutcome> outcomes;
  for (const auto& d : batch) {
    store::DeliveryOutcome o{d.id, "sent", 0, ""};
    if (answer.kind == Kind::Retry) {
      o = {d.id, "pending", retryAt(d, answer.retryAfterSeconds), answerText(answer)};
      waiting.insert(d.patient);
    } else if (answer.kind == Kind::Rejected) {
      deadLetter(d, answer);
      continue;
    }
    outcomes.push_back(std::move(o));
  }
  store_.finishDeliveries(outcomes);
}

void RegionalSender::deadLetter(const store::Delivery& d,
                                const adapters::regional::PlatformAnswer& answer) {
  log().warning(
      "%s/%s version %d refused by %s: %s (its answer is kept with the dead letter, "
      "delivery %Ld)",
      d.type, d.resourceId, d.version, name(), logText(answer), d.id);
  store_.finishDeliveries({{d.id, "dead", 0, answerText(answer)}});
}

void RegionalSender::count(const adapters::regional::PlatformAnswer& answer,
                           const std::vector<store::Delivery>& batch) {
  std::int64_t now = clock_.nowMillis();
  std::lock_guard<std::mutex> lock(metricsMutex_);
  if (answer.kind != adapters::regional::PlatformAnswer::Kind::Delivered) {
    ++failures_[failureKind(answer)];
    lastProblem_ = answerText(answer).substr(0, 500);
    return;
  }
  for (const auto& d : batch) {
    ++delivered_;
    double seconds = static_cast<double>(std::max<std::int64_t>(0, now - d.createdAt)) / 1000.0;
    latencySum_ += seconds;
    for (std::size_t i = 0; i < kLatencyBounds.size(); ++i)
      if (seconds <= kLatencyBounds[i]) ++latencyBuckets_[i];
  }
}

adapters::regional::PlatformAnswer RegionalSender::post(const std::string& bundle) {
  using Kind = adapters::regional::PlatformAnswer::Kind;
  std::int64_t now = clock_.nowMillis();
  std::size_t use;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    if (current_ != 0 && now - failedOverAt_ >= config_.regional.failbackSeconds * 1000LL) {
      log().information("trying the primary regional URL %s again", clients_[0].baseUrl());
      current_ = 0;
    }
    use = current_;
  }
  auto answer = clients_[use].postTransaction(bundle, now);
  if (answer.kind != Kind::Retry || clients_.size() < 2) return answer;
  std::size_t other = 1 - use;
  auto second = clients_[other].postTransaction(bundle, clock_.nowMillis());
  if (second.kind == Kind::Retry) return answer;
  std::lock_guard<std::mutex> lock(stateMutex_);
  if (current_ == use) {
    log().warning("regional URL %s unavailable (%s); using %s", clients_[use].baseUrl(),
                  logText(answer), clients_[other].baseUrl());
    current_ = other;
    if (current_ != 0) failedOverAt_ = now;
  }
  return second;
}

std::int64_t RegionalSender::retryAt(const store::Delivery& d, int retryAfterSeconds) {
  std::int64_t now = clock_.nowMillis();
  if (retryAfterSeconds >= 0) return now + retryAfterSeconds * 1000LL;
  std::int64_t delay =
      std::min<std::int64_t>(config_.regional.retryMaxSeconds * 1000LL,
                             config_.workers.retryBaseSeconds * 1000LL << std::min(d.attempts, 16));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  std::lock_guard<std::mutex> lock(stateMutex_);
  return now + static_cast<std::int64_t>(static_cast<double>(delay) * jitter(random_));
}

std::string RegionalSender::metricsText(const std::vector<RegionalSender*>& senders) {
  struct Family {
    const char *name, *type, *help;
  };
  static const Family kFamilies[] = {
      {"medbridge_regional_deliveries", "gauge", "Changes to deliver, by destination and state."},
      {"medbridge_regional_oldest_pending_seconds", "gauge",
       "Age of the oldest change not yet delivered."},
      {"medbridge_regional_delivery_seconds", "histogram",
       "From a change's write to its delivery."},
      {"medbridge_regional_failures_total", "counter", "Failed delivery attempts by kind."},
      {"medbridge_regional_circuit_open", "gauge",
       "Whether the circuit breaker holds deliveries back."}};
  std::string out;
  for (std::size_t f = 0; f < std::size(kFamilies); ++f) {
    out += std::string("# HELP ") + kFamilies[f].name + " " + kFamilies[f].help + "\n# TYPE " +
           kFamilies[f].name + " " + kFamilies[f].type + "\n";
    for (auto* sender : senders) out += sender->samples(f);
  }
  return out;
}

std::string RegionalSender::samples(std::size_t family) {
  std::string label =
      "destination=\"" + (destination_.empty() ? std::string("platform") : destination_) + "\"";
  std::string out;
  if (family == 0 || family == 1) {
    auto stats = store_.deliveryStats(destination_);
    if (family == 1) {
      double oldest =
          stats.oldestPendingCreatedAt > 0
              ? static_cast<double>(clock_.nowMillis() - stats.oldestPendingCreatedAt) / 1000.0
              : 0.0;
      return "medbridge_regional_oldest_pending_seconds{" + label + "} " +
             std::to_string(std::max(0.0, oldest)) + "\n";
    }
    for (const char* state : {"pending", "sent", "dead", "discarded"}) {
      auto it = stats.byState.find(state);
      out += "medbridge_regional_deliveries{" + label + ",state=\"" + state + "\"} " +
             std::to_string(it == stats.byState.end() ? 0 : it->second) + "\n";
    }
    return out;
  }
  std::lock_guard<std::mutex> lock(metricsMutex_);
  if (family == 2) {
    for (std::size_t i = 0; i < kLatencyBounds.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kLatencyBounds[i]);
      out += "medbridge_regional_delivery_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
             std::to_string(latencyBuckets_[i]) + "\n";
    }
    return out + "medbridge_regional_delivery_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(delivered_) + "\nmedbridge_regional_delivery_seconds_sum{" + label +
           "} " + std::to_string(latencySum_) + "\nmedbridge_regional_delivery_seconds_count{" +
           label + "} " + std::to_string(delivered_) + "\n";
  }
  if (family == 3) {
    for (const auto& [kind, n] : failures_)
      out += "medbridge_regional_failures_total{" + label + ",kind=\"" + kind + "\"} " +
             std::to_string(n) + "\n";
    return out;
  }
  return "medbridge_regional_circuit_open{" + label + "} " + (breakerOpen_ ? "1" : "0") + "\n";
}

std::string RegionalSender::statusJson() {
  std::string urls;
  for (const auto& c : clients_) urls += (urls.empty() ? "" : ",") + jsonString(c.baseUrl());
  std::lock_guard<std::mutex> lock(metricsMutex_);
  return "{\"destination\":" + jsonString(destination_) + ",\"urls\":[" + urls +
         "],\"inUse\":" + jsonString(clients_[current_].baseUrl()) +
         ",\"paused\":" + (paused_ ? "true" : "false") +
         ",\"circuitOpen\":" + (breakerOpen_ ? "true" : "false") +
         ",\"lastProblem\":" + jsonString(lastProblem_) + "}";
}

}  // namespace medbridge::app
