#include "gateway/app/RegionalSender.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <set>

#include "mappings/fhir/Json.h"

namespace medbridge::app {
namespace {

constexpr int kScan = 1000;      // pending changes looked at per pass
constexpr int kMaxBundle = 100;  // changes per Bundle
constexpr std::int64_t kMaxDelayMs = 10 * 60 * 1000;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.regional");
}

std::string answerText(const adapters::regional::PlatformAnswer& a) {
  if (a.status == 0) return "no answer: " + a.problem;
  return "HTTP " + std::to_string(a.status) + (a.body.empty() ? "" : ": " + a.body);
}

}  // namespace

RegionalSender::RegionalSender(const core::GatewayConfig& config, store::IStore& store,
                               const core::IClock& clock)
    : config_(config), store_(store), clock_(clock) {
  for (const auto& url : config.regional.urls) {
    adapters::regional::PlatformEndpoint e;
    e.baseUrl = url;
    clients_.emplace_back(e);
  }
}

RegionalSender::~RegionalSender() {
  stop();
}

void RegionalSender::start() {
  loop_.start([this] { return sendDue(); }, std::chrono::milliseconds(200),
              "medbridge.app.regional", "delivery to the regional platform");
}

void RegionalSender::stop() {
  loop_.stop();
}

int RegionalSender::sendDue() {
  std::int64_t now = clock_.nowMillis();
  std::set<std::string> blocked, inBatch;  // patients that wait; resources in the Bundle
  std::vector<store::Delivery> batch;
  for (auto& d : store_.deliveries(kScan, /*pendingOnly=*/true)) {
    if (blocked.count(d.patient)) continue;
    std::string resource = d.type + "/" + d.resourceId;
    if (d.availableAt > now || inBatch.count(resource)) {
      blocked.insert(d.patient);  // nothing of this patient overtakes it
      continue;
    }
    inBatch.insert(resource);
    batch.push_back(std::move(d));
    if (static_cast<int>(batch.size()) >= kMaxBundle) break;
  }
  if (!batch.empty()) send(batch);
  return static_cast<int>(batch.size());
}

void RegionalSender::send(const std::vector<store::Delivery>& batch) {
  auto answer = post(bundleOf(batch));
  using Kind = adapters::regional::PlatformAnswer::Kind;
  if (answer.kind == Kind::Rejected && batch.size() > 1) {
    for (const auto& d : batch) send({d});  // to find the change it refuses
    return;
  }
  if ((answer.kind == Kind::Retry) != platformDown_) {
    platformDown_ = answer.kind == Kind::Retry;
    if (platformDown_)
      log().warning("regional platform unavailable (%s); changes wait", answerText(answer));
    else
      log().information("regional platform %s available again", config_.regional.urls[current_]);
  }
  std::vector<store::DeliveryOutcome> outcomes;
  for (const auto& d : batch) {
    store::DeliveryOutcome o{d.id, "sent", 0, ""};
    if (answer.kind == Kind::Retry) {
      o = {d.id, "pending", retryAt(d, answer.retryAfterSeconds), answerText(answer)};
    } else if (answer.kind == Kind::Rejected) {
      o = {d.id, "dead", 0, answerText(answer)};
      log().warning("%s/%s version %d refused by the regional platform: %s", d.type, d.resourceId,
                    d.version, answerText(answer));
    }
    outcomes.push_back(std::move(o));
  }
  store_.finishDeliveries(outcomes);
}

adapters::regional::PlatformAnswer RegionalSender::post(const std::string& bundle) {
  using Kind = adapters::regional::PlatformAnswer::Kind;
  std::int64_t now = clock_.nowMillis();
  if (current_ != 0 && now - failedOverAt_ >= config_.regional.failbackSeconds * 1000LL) {
    log().information("trying the primary regional URL %s again", config_.regional.urls[0]);
    current_ = 0;
  }
  auto answer = clients_[current_].postTransaction(bundle, now);
  if (answer.kind != Kind::Retry || clients_.size() < 2) return answer;
  std::size_t other = 1 - current_;
  auto second = clients_[other].postTransaction(bundle, clock_.nowMillis());
  if (second.kind == Kind::Retry) return answer;
  log().warning("regional URL %s unavailable (%s); using %s", config_.regional.urls[current_],
                answerText(answer), config_.regional.urls[other]);
  current_ = other;
  if (current_ != 0) failedOverAt_ = now;
  return second;
}

std::int64_t RegionalSender::retryAt(const store::Delivery& d, int retryAfterSeconds) {
  std::int64_t now = clock_.nowMillis();
  if (retryAfterSeconds >= 0) return now + retryAfterSeconds * 1000LL;
  std::int64_t delay = std::min<std::int64_t>(
      kMaxDelayMs, config_.workers.retryBaseSeconds * 1000LL << std::min(d.attempts, 16));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return now + static_cast<std::int64_t>(static_cast<double>(delay) * jitter(random_));
}

std::string RegionalSender::bundleOf(const std::vector<store::Delivery>& batch) {
  namespace fhir = mappings::fhir;
  rapidjson::Document bundle(rapidjson::kObjectType);
  auto& a = bundle.GetAllocator();
  bundle.AddMember("resourceType", "Bundle", a);
  bundle.AddMember("type", "transaction", a);
  rapidjson::Value entries(rapidjson::kArrayType);
  for (const auto& d : batch) {
    rapidjson::Value entry(rapidjson::kObjectType), request(rapidjson::kObjectType);
    auto version = store_.readVersion(d.type, d.resourceId, d.version);
    rapidjson::Document resource;
    if (version && !version->deleted && !fhir::parseJson(version->json, resource) &&
        resource.IsObject()) {
      // The patient's sequence number, as a tag: the platform can check the order, and the same
      // change sent again is the same content.
      rapidjson::Value tag(rapidjson::kObjectType);
      fhir::setString(tag, "system", kSequenceSystem, a);
      fhir::setString(tag, "code", std::to_string(d.seq), a);
      fhir::setString(tag, "display", d.patient, a);
      rapidjson::Value copy(resource, a);
      if (!copy.HasMember("meta"))
        copy.AddMember("meta", rapidjson::Value(rapidjson::kObjectType), a);
      fhir::push(copy["meta"], "tag", std::move(tag), a);
      entry.AddMember("resource", copy, a);
      request.AddMember("method", "PUT", a);
    } else {
      request.AddMember("method", "DELETE", a);
    }
    fhir::setString(request, "url", d.type + "/" + d.resourceId, a);
    entry.AddMember("request", request, a);
    entries.PushBack(entry, a);
  }
  bundle.AddMember("entry", entries, a);
  return fhir::toJson(bundle);
}

}  // namespace medbridge::app
