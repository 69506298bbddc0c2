#include "gateway/app/DeliveriesAdmin.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "gateway/app/RegionalSender.h"
#include "gateway/app/ScopeCheck.h"

namespace medbridge::app {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

http::Response json(int status, const std::string& body) {
  return {status, "application/json", body + "\n", {}};
}

http::Response error(int status, const std::string& why) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("error");
  w.String(why.c_str());
  w.EndObject();
  return json(status, out.GetString());
}

std::string param(const http::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.query)
    if (k == name) return v;
  return "";
}

// "1,2,3" → ids; false when something is not a number.
bool idsOf(const std::string& list, std::vector<std::int64_t>& ids) {
  std::size_t at = 0;
  while (at < list.size()) {
    auto comma = std::min(list.find(',', at), list.size());
    std::string item = list.substr(at, comma - at);
    if (item.empty() || item.size() > 18 ||
        item.find_first_not_of("0123456789") != std::string::npos)
      return false;
    ids.push_back(std::stoll(item));
    at = comma + 1;
  }
  return !ids.empty();
}

}  // namespace

http::Response DeliveriesAdmin::operator()(const http::Request& r) const {
  if (auto refused = refuseWithoutScope(r, verifier_, kAdminScope)) return *refused;
  std::string action = r.path.size() > 18 ? r.path.substr(18) : "";  // after "/admin/deliveries/"
  if (action.empty()) {
    if (r.method != "GET" && r.method != "HEAD") return error(405, "use GET to list deliveries");
    return list(r);
  }
  if (r.method != "POST") return error(405, "use POST for " + r.path);
  if (action == "pause" || action == "resume") {
    std::string destination = param(r, "destination");
    for (auto* sender : senders_)
      if (sender->destination() == destination) {
        sender->setPaused(action == "pause");
        return json(200, sender->statusJson());
      }
    return error(404, destination.empty() ? "no regional platform is configured (regional.urls)"
                                          : "no destination " + destination);
  }
  if (action != "retry" && action != "discard") return error(404, "no such action: " + action);
  std::vector<std::int64_t> ids;
  if (!idsOf(param(r, "ids"), ids))
    return error(400, "ids must be delivery ids, comma-separated (ids=12,13)");
  int changed = action == "retry" ? store_.requeueDeliveries(ids) : store_.discardDeliveries(ids);
  return json(200, std::string("{\"") + (action == "retry" ? "retried" : "discarded") + "\":" +
                       std::to_string(changed) + ",\"asked\":" + std::to_string(ids.size()) + "}");
}

http::Response DeliveriesAdmin::list(const http::Request& r) const {
  store::DeliveryFilter filter;
  filter.state = param(r, "state");
  for (const auto& [k, v] : r.query)
    if (k == "destination") filter.destination = v;
  if (!filter.state.empty() && filter.state != "pending" && filter.state != "sent" &&
      filter.state != "dead" && filter.state != "discarded")
    return error(400, "state must be pending, sent, dead or discarded");
  std::string after = param(r, "after"), limit = param(r, "limit");
  std::vector<std::int64_t> number;
  if (!after.empty() && !idsOf(after, number)) return error(400, "after must be a delivery id");
  if (!after.empty()) filter.afterId = number.back();
  if (!limit.empty() && (!idsOf(limit, number) || number.back() < 1 || number.back() > 1000))
    return error(400, "limit must be between 1 and 1000");
  if (!limit.empty()) filter.limit = static_cast<int>(number.back());
  auto stats = store_.deliveryStats(filter.destination);
  std::int64_t now = clock_.nowMillis();
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("destinations");
  w.StartArray();
  for (auto* sender : senders_) {
    std::string status = sender->statusJson();
    w.RawValue(status.c_str(), status.size(), rapidjson::kObjectType);
  }
  w.EndArray();
  w.Key("counts");
  w.StartObject();
  for (const char* state : {"pending", "sent", "dead", "discarded"}) {
    w.Key(state);
    auto it = stats.byState.find(state);
    w.Int64(it == stats.byState.end() ? 0 : it->second);
  }
  w.EndObject();
  w.Key("oldestPendingSeconds");
  w.Int64(stats.oldestPendingCreatedAt > 0 ? (now - stats.oldestPendingCreatedAt) / 1000 : 0);
  w.Key("items");
  w.StartArray();
  for (const auto& d : store_.deliveries(filter)) {
    w.StartObject();
    w.Key("id");
    w.Int64(d.id);
    w.Key("destination");
    w.String(d.destination.c_str());
    w.Key("resource");
    w.String((d.type + "/" + d.resourceId).c_str());
    w.Key("version");
    w.Int(d.version);
    w.Key("patient");
    w.String(d.patient.c_str());
    w.Key("seq");
    w.Int64(d.seq);
    w.Key("state");
    w.String(d.state.c_str());
    w.Key("attempts");
    w.Int(d.attempts);
    w.Key("nextAttemptAt");
    w.Int64(d.state == "pending" ? d.availableAt : 0);
    w.Key("lastError");
    w.String(d.lastError.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(200, out.GetString());
}

}  // namespace medbridge::app
