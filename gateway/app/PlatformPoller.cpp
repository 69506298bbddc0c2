#include "gateway/app/PlatformPoller.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include "gateway/core/Time.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::app {
namespace {

constexpr int kMaxPages = 50;  // per poll; the rest comes with the next one

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.poller");
}

std::string encoded(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "&=+#?%,", out);
  return out;
}

std::string nextLink(const rapidjson::Value& bundle) {
  auto links = bundle.FindMember("link");
  if (links == bundle.MemberEnd() || !links->value.IsArray()) return "";
  for (const auto& l : links->value.GetArray())
    if (l.IsObject() && l.HasMember("relation") && l["relation"].IsString() &&
        std::string(l["relation"].GetString()) == "next" && l.HasMember("url") &&
        l["url"].IsString())
      return l["url"].GetString();
  return "";
}

}  // namespace

PlatformPoller::PlatformPoller(const core::GatewayConfig& config,
                               std::vector<adapters::regional::PlatformClient> clients,
                               store::IStore& store, PlatformInbound& inbound,
                               const core::IClock& clock)
    : config_(config),
      clients_(std::move(clients)),
      store_(store),
      inbound_(inbound),
      clock_(clock) {}

void PlatformPoller::start() {
  loop_.start(
      [this] {
        pollOnce();
        return 0;  // then wait pollSeconds
      },
      std::chrono::seconds(config_.regional.pollSeconds), "medbridge.app.poller",
      "polling the regional platform");
}

int PlatformPoller::pollOnce() {
  std::string cursor = store_.setting(kCursorSetting);
  std::string query = "Task?owner=" + encoded(config_.regional.pollOwner);
  if (auto at = mappings::fhir::dateRange(cursor))
    query += "&_lastUpdated=gt" +
             encoded(core::instantOf(at->from - config_.regional.pollOverlapSeconds * 1000LL));
  query += "&_sort=_lastUpdated&_count=100";
  std::string newest = cursor;
  std::int64_t newestMs = cursor.empty() ? 0 : mappings::fhir::dateRange(cursor)->from;
  int applied = 0;
  for (int page = 0; page < kMaxPages && !query.empty(); ++page) {
    adapters::regional::PlatformAnswer answer;
    for (const auto& client : clients_) {  // the secondary when the primary gives no answer
      answer = client.get(query, clock_.nowMillis());
      if (answer.kind != adapters::regional::PlatformAnswer::Kind::Retry) break;
    }
    rapidjson::Document bundle;
    if (answer.status != 200 || mappings::fhir::parseJson(answer.body, bundle) ||
        !bundle.IsObject()) {
      if (!failing_)
        log().warning("polling the regional platform failed (%s); trying again in %d s",
                      answer.status == 0 ? "no answer: " + answer.problem
                                         : "HTTP " + std::to_string(answer.status),
                      config_.regional.pollSeconds);
      failing_ = true;
      break;
    }
    if (failing_) log().information("polling the regional platform works again");
    failing_ = false;
    auto outcome = inbound_.apply(bundle);
    applied += outcome.applied;
    if (outcome.refusedEntry >= 0)
      log().warning("a polled resource was not taken: %s", outcome.problem);
    auto entries = bundle.FindMember("entry");
    if (entries != bundle.MemberEnd() && entries->value.IsArray())
      for (const auto& e : entries->value.GetArray()) {
        if (!e.IsObject() || !e.HasMember("resource")) continue;
        const auto& r = e["resource"];
        if (!r.IsObject() || !r.HasMember("meta") || !r["meta"].IsObject() ||
            !r["meta"].HasMember("lastUpdated") || !r["meta"]["lastUpdated"].IsString())
          continue;
        std::string at = r["meta"]["lastUpdated"].GetString();
        auto range = mappings::fhir::dateRange(at);
        if (range && range->from > newestMs) {
          newestMs = range->from;
          newest = at;
        }
      }
    query = nextLink(bundle);
  }
  if (newest != cursor) store_.putSetting(kCursorSetting, newest);
  return applied;
}

}  // namespace medbridge::app
