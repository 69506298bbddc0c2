#include "gateway/app/Gateway.h"

#include <Poco/Logger.h>

#include <fstream>
#include <sstream>

#include "adapters/dicomweb/DicomWebHandler.h"
#include "adapters/fhir_rest/FhirRestHandler.h"
#include "adapters/his_mllp/MllpServer.h"
#include "adapters/pacs_dicom/DicomClient.h"
#include "adapters/pacs_dicom/DicomServer.h"
#include "adapters/pacs_dicom/InstanceArchive.h"
#include "gateway/app/CaseArchive.h"
#include "gateway/app/ConsultPackage.h"
#include "gateway/app/ConsultationWorkflow.h"
#include "gateway/app/DeliveriesAdmin.h"
#include "gateway/app/DeliveryRouting.h"
#include "gateway/app/DicomForwarder.h"
#include "gateway/app/DicomIntake.h"
#include "gateway/app/HisApplications.h"
#include "gateway/app/HisMessages.h"
#include "gateway/app/ImageFetcher.h"
#include "gateway/app/ImagingStudyPublisher.h"
#include "gateway/app/PlatformClients.h"
#include "gateway/app/PlatformInbound.h"
#include "gateway/app/PlatformPoller.h"
#include "gateway/app/RegionalSender.h"
#include "gateway/app/RepeatOrderAdvice.h"
#include "gateway/app/ReportSigning.h"
#include "gateway/app/ScopeCheck.h"
#include "gateway/app/WorkflowProxy.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/core/Time.h"
#include "gateway/http/HttpServer.h"
#include "gateway/routing/Ingestor.h"
#include "gateway/routing/Processor.h"
#include "gateway/store/SqliteStore.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::app {
namespace {

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.gateway");
}

constexpr const char* kClockSetting = "testing.controlledClock";

}  // namespace

class Gateway::FrameHandler : public adapters::his_mllp::IFrameHandler {
 public:
  explicit FrameHandler(routing::Ingestor& ingestor) : ingestor_(ingestor) {}
  std::string onFrame(std::string_view frame, const std::string& peer) override {
    return ingestor_.ingest(frame, peer);
  }
  std::string onReject(std::string_view partial, Problem problem,
                       const std::string& peer) override {
    return ingestor_.reject(partial,
                            problem == Problem::TooLarge ? core::ErrorCode::Hl7FrameTooLarge
                                                         : core::ErrorCode::Hl7TruncatedFrame,
                            peer);
  }

 private:
  routing::Ingestor& ingestor_;
};

std::string storePath(const core::GatewayConfig& config) {
  if (config.store.url.rfind("sqlite:", 0) != 0)
    throw core::Error(core::ErrorCode::StoreUrlUnsupported, config.store.url);
  return config.store.url.substr(7);
}

std::unique_ptr<store::IStore> openStore(const core::GatewayConfig& config) {
  return std::make_unique<store::SqliteStore>(storePath(config), config.store.maxBatch);
}

mappings::identity::IdentifierSystems loadIdentifierSystems(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw core::Error(core::ErrorCode::ConfigInvalid, "identity.systemsFile: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return mappings::identity::IdentifierSystems::fromJson(text.str());
  } catch (const core::Error& e) {
    throw core::Error(core::ErrorCode::ConfigInvalid, "identity.systemsFile: " + e.detail());
  }
}

Gateway::Gateway(core::GatewayConfig config) : config_(std::move(config)) {}

Gateway::~Gateway() {
  stop();
}

void Gateway::start() {
  systems_ = std::make_unique<mappings::identity::IdentifierSystems>(
      config_.identity.systemsFile.empty() ? mappings::identity::IdentifierSystems::builtIn()
                                           : loadIdentifierSystems(config_.identity.systemsFile));
  store_ = openStore(config_);
  // The embedded store has one gateway process: leases still held were held by a crashed run.
  if (int released = store_->releaseLeases())
    log().warning("%d work items left in progress by an earlier run are queued again", released);
  ingestor_ = std::make_unique<routing::Ingestor>(*store_, config_.mllp, metrics_, clock_);
  std::string offset = routing::offsetForZone(config_.timeZone);
  if (offset.empty())
    log().warning("workflow.timeZone '%s' is not known; HL7 times without offset use +08:00",
                  config_.timeZone);
  processor_ = std::make_unique<routing::Processor>(*store_, config_.workers, offset, *systems_,
                                                    metrics_, clock_);
  ingestor_->setOnQueued([p = processor_.get()] { p->wake(); });
  ingestor_->setIdentityCheck(systems_.get());
  ingestor_->setRepeatOrderCheck(config_.referral.resultValidityDays);
  processor_->start();
  frameHandler_ = std::make_unique<FrameHandler>(*ingestor_);
  mllp_ = std::make_unique<adapters::his_mllp::MllpServer>(config_.mllp, *frameHandler_);
  mllp_->start();
  startRegional();
  dicomIntake_ = std::make_unique<DicomIntake>(*store_, *systems_, clock_);
  archive_ = std::make_unique<adapters::pacs_dicom::InstanceArchive>(config_.dataDir + "/dicom",
                                                                     *dicomIntake_);
  dicom_ =
      std::make_unique<adapters::pacs_dicom::DicomServer>(config_.dicom, *archive_, *dicomIntake_);
  dicom_->start();
  if (config_.auth.mode == "jwt")
    verifier_ = std::make_unique<auth::TokenVerifier>(config_.auth, clock_);
  http_ = std::make_unique<http::HttpServer>(config_.http);
  http_->route("/health", [this](const http::Request&) {
    bool ok = healthy();
    return http::Response{ok ? 200 : 503,
                          "application/json",
                          std::string("{\"status\":\"") + (ok ? "up" : "down") + "\",\"store\":\"" +
                              (store_->healthy() ? "up" : "down") + "\",\"mllp\":\"" +
                              (mllp_ && mllp_->running() ? "up" : "down") + "\"}\n",
                          {}};
  });
  // C-ECHO to a configured DICOM peer, for whoever sets one up: ?peer=<AE title>.
  http_->route("/admin/dicom-echo", [this](const http::Request& r) {
    if (auto refused = refuseWithoutScope(r, verifier_.get(), kAdminScope)) return *refused;
    std::string peer;
    for (const auto& [k, v] : r.query)
      if (k == "peer") peer = v;
    auto it = config_.dicom.peers.find(peer);
    if (it == config_.dicom.peers.end())
      return http::Response{404,
                            "application/json",
                            "{\"peer\":\"" + peer + "\",\"error\":\"not in dicom.peers\"}\n",
                            {}};
    try {
      adapters::pacs_dicom::DicomClient(config_.dicom.aet, peer, it->second, *archive_).echo();
      return http::Response{
          200, "application/json", "{\"peer\":\"" + peer + "\",\"echo\":\"ok\"}\n", {}};
    } catch (const core::Error& e) {
      std::string why;
      for (char c : std::string(e.what()))
        if (c != '"' && c != '\\') why += c;
      return http::Response{
          502, "application/json", "{\"peer\":\"" + peer + "\",\"error\":\"" + why + "\"}\n", {}};
    }
  });
  http_->mount("/admin/deliveries", DeliveriesAdmin(*store_, senders(), verifier_.get(), clock_));
  http_->mount("/regional/inbound",
               [this](const http::Request& r) { return inbound_->handle(r, verifier_.get()); });
  http_->route("/metrics", [this](const http::Request&) {
    store::StoreStats st = store_->stats();
    std::string extra =
        "# HELP medbridge_queue_depth Work items waiting or in progress.\n# TYPE "
        "medbridge_queue_depth gauge\n"
        "medbridge_queue_depth{channel=\"mllp\"} " +
        std::to_string(st.queueDepth) +
        "\n"
        "# HELP medbridge_queue_dead_lettered Work items dead-lettered.\n# TYPE "
        "medbridge_queue_dead_lettered gauge\n"
        "medbridge_queue_dead_lettered{channel=\"mllp\"} " +
        std::to_string(st.deadLettered) +
        "\n"
        "# HELP medbridge_store_messages Stored messages by status.\n# TYPE "
        "medbridge_store_messages gauge\n";
    for (const auto& [status, n] : st.messagesByStatus)
      extra += "medbridge_store_messages{status=\"" + status + "\"} " + std::to_string(n) + "\n";
    if (!senders_.empty()) extra += RegionalSender::metricsText(senders());
    if (workflow_) extra += workflow_->metricsText();
    return http::Response{
        200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render(extra), {}};
  });
  fhir_ = std::make_unique<fhir::FhirServer>(*store_, clock_);
  adviseRepeatOrders(*fhir_, *store_, config_, clock_);
  imaging_ = std::make_unique<ImagingStudyPublisher>(*store_, *systems_, clock_,
                                                     config_.dicom.stableSeconds);
  fetcher_ = std::make_unique<ImageFetcher>(config_.dicom, *store_, *archive_, *imaging_);
  forwarder_ = std::make_unique<DicomForwarder>(config_, *store_, *systems_, *archive_, clock_);
  registerIdentityOperations();
  registerImagingOperations();
  startWorkflow();
  http_->mount("/fhir", adapters::fhir_rest::FhirRestHandler(*fhir_, "/fhir", verifier_.get()));
  http_->mount("/dicomweb", adapters::dicomweb::DicomWebHandler(*store_, *archive_, "/dicomweb",
                                                                verifier_.get()));
  http_->start();
  imaging_->start("http://" + config_.http.host + ":" + std::to_string(http_->port()) +
                  "/dicomweb");
  forwarder_->start();
  if (config_.profile == "platform") {
    caseArchive_ = std::make_unique<CaseArchive>(config_, *store_, clock_);
    caseArchive_->start("http://" + config_.http.host + ":" + std::to_string(http_->port()) +
                        "/fhir");
  }
  log().information("MLLP listening on %s:%d", config_.mllp.host, mllp_->port());
  log().information("HTTP listening on %s:%d", config_.http.host, http_->port());
  log().information("DICOM listening on %s:%d as %s", config_.dicom.host, dicom_->port(),
                    config_.dicom.aet);
}

void Gateway::stop() {
  if (mllp_) {
    mllp_->stop();  // no new connections; frames in hand are answered
    mllp_.reset();
  }
  if (dicom_) {
    dicom_->stop();  // associations in progress are finished
    dicom_.reset();
  }
  if (workflow_) workflow_->stop();
  if (caseArchive_) caseArchive_->stop();
  if (applications_) applications_->stop();
  if (his_) his_->stop();  // the message in hand is answered or times out; the rest stays queued
  fetcher_.reset();        // waits for fetches in progress
  forwarder_.reset();      // the forward in hand ends; the rest stays queued
  poller_.reset();
  senders_.clear();  // the Bundle in hand is answered or times out; the rest stays queued
  if (imaging_) {
    imaging_->stop();
    imaging_.reset();
  }
  if (processor_) {
    processor_->stop();  // items in hand are completed
    processor_.reset();
  }
  if (http_) {
    http_->stop();
    http_.reset();
  }
  archive_.reset();  // after everything that receives instances
  frameHandler_.reset();
  ingestor_.reset();
  store_.reset();  // the writer drains pending commits first
}

void Gateway::startRegional() {
  store_->routeChanges(deliveryRouter(config_));
  if (!config_.regional.urls.empty())
    senders_.push_back(std::make_unique<RegionalSender>(config_, "", config_.regional.urls, *store_,
                                                        *systems_, clock_));
  if (config_.profile == "platform")
    for (const auto& [organization, urls] : config_.platform.hospitals)
      senders_.push_back(std::make_unique<RegionalSender>(config_, organization, urls, *store_,
                                                          *systems_, clock_));
  for (auto& sender : senders_) sender->start();
  inbound_ = std::make_unique<PlatformInbound>(*store_, clock_);
  if (config_.regional.pollSeconds > 0) {
    poller_ = std::make_unique<PlatformPoller>(
        config_, platformClients(config_.regional, config_.regional.urls), *store_, *inbound_,
        clock_);
    poller_->start();
  }
}

void Gateway::startWorkflow() {
  // A controlled clock goes on from the time last set, also after a restart: deadlines are
  // checked against it from the first pass.
  if (config_.controlledClock && !store_->setting(kClockSetting).empty())
    clock_.set(std::stoll(store_->setting(kClockSetting)));
  signing_ = std::make_unique<ReportSigning>(config_, *fhir_, *store_, clock_);
  signing_->install();
  if (config_.profile == "platform") {
    workflow_ = std::make_unique<ConsultationWorkflow>(config_, *fhir_, *store_, *signing_, clock_);
    workflow_->install();
    workflow_->start();
  } else if (!config_.regional.urls.empty()) {
    package_ =
        std::make_unique<ConsultPackage>(config_, *fhir_, *store_, *fetcher_, *forwarder_, clock_);
    proxy_ = std::make_unique<WorkflowProxy>(config_, *fhir_, *store_, *inbound_, *package_,
                                             *systems_, clock_);
    if (!config_.his.host.empty()) {
      his_ = std::make_unique<HisMessages>(config_, *store_, *systems_, *archive_, *forwarder_,
                                           clock_);
      inbound_->onReplica([this](store::IResourceTx& tx, const store::ResourceVersion& v,
                                 const std::optional<store::ResourceVersion>& previous) {
        his_->onReplica(tx, v, previous);
      });
      his_->start();
    }
    if (!config_.his.organization.empty()) {
      applications_ = std::make_unique<HisApplications>(config_, *store_, *proxy_);
      applications_->start();
    }
    proxy_->install();
  }
  if (!config_.controlledClock) return;
  log().warning("testing.controlledClock: POST /admin/clock sets this gateway's time");
  // {"now": "<instant>"} or {"advanceSeconds": n}; answers the time and the deadlines flagged.
  http_->mount("/admin/clock", [this](const http::Request& r) {
    if (r.method == "POST") {
      rapidjson::Document d;
      d.Parse(r.body.c_str());
      std::optional<std::int64_t> to;
      if (d.IsObject() && d.HasMember("now") && d["now"].IsString())
        if (auto range = mappings::fhir::dateRange(d["now"].GetString())) to = range->from;
      if (d.IsObject() && d.HasMember("advanceSeconds") && d["advanceSeconds"].IsInt64())
        to = clock_.nowMillis() + d["advanceSeconds"].GetInt64() * 1000;
      if (!to)
        return http::Response{400,
                              "application/json",
                              "{\"error\":\"send {\\\"now\\\": \\\"<FHIR instant>\\\"} or "
                              "{\\\"advanceSeconds\\\": n}\"}\n",
                              {}};
      clock_.set(*to);
      store_->putSetting(kClockSetting, std::to_string(*to));
    }
    int flagged = workflow_ ? workflow_->checkDeadlines() : 0;
    return http::Response{200,
                          "application/json",
                          "{\"now\":\"" + core::instantOf(clock_.nowMillis()) +
                              "\",\"deadlinesFlagged\":" + std::to_string(flagged) + "}\n",
                          {}};
  });
}

std::vector<RegionalSender*> Gateway::senders() const {
  std::vector<RegionalSender*> out;
  for (const auto& s : senders_) out.push_back(s.get());
  return out;
}

int Gateway::mllpPort() const {
  return mllp_ ? mllp_->port() : 0;
}
int Gateway::dicomPort() const {
  return dicom_ ? dicom_->port() : 0;
}
int Gateway::httpPort() const {
  return http_ ? http_->port() : 0;
}
bool Gateway::healthy() const {
  return store_ && store_->healthy() && mllp_ && mllp_->running();
}

}  // namespace medbridge::app
