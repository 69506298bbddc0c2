#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/core/Metrics.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::store {
class IStore;
}
namespace medbridge::routing {
class Ingestor;
class Processor;
}  // namespace medbridge::routing
namespace medbridge::adapters::his_mllp {
class MllpServer;
}
namespace medbridge::adapters::pacs_dicom {
class DicomServer;
class InstanceArchive;
}  // namespace medbridge::adapters::pacs_dicom
namespace medbridge::http {
class HttpServer;
}
namespace medbridge::fhir {
class FhirServer;
}
namespace medbridge::auth {
class TokenVerifier;
}

namespace medbridge::app {

class DicomIntake;
class RegionalSender;
class PlatformInbound;
class PlatformPoller;
class ImagingStudyPublisher;
class ImageFetcher;
class DicomForwarder;
class ConsultationWorkflow;
class WorkflowProxy;
class ConsultPackage;
class HisMessages;
class HisApplications;
class CaseArchive;
class ReportSigning;

// The wiring of one running gateway: store, ingest, workers, MLLP and HTTP listeners.
class Gateway {
 public:
  explicit Gateway(core::GatewayConfig config);
  ~Gateway();
  void start();
  // Stop accepting, finish in-flight work, close the store.
  void stop();
  int mllpPort() const;
  int httpPort() const;
  int dicomPort() const;
  bool healthy() const;

 private:
  class FrameHandler;
  // The patient index on the FHIR server: PIXm, $match, $merge / $unmerge / $unlink, and FHIR
  // Patient writes as an index feed (GatewayIdentity.cpp).
  void registerIdentityOperations();
  void registerImagingOperations();
  // Deliveries to the regional platform and (profile platform) to the hospitals; what the
  // platform sends: its inbound endpoint and, when configured, the poller.
  void startRegional();
  std::vector<RegionalSender*> senders() const;
  // profile platform: the consultation workflow; a hospital connected to a platform proposes
  // workflow Tasks to it; with testing.controlledClock, /admin/clock.
  void startWorkflow();

  core::GatewayConfig config_;
  core::AdjustableClock clock_;  // the system clock unless testing.controlledClock
  core::Metrics metrics_;
  std::unique_ptr<mappings::identity::IdentifierSystems> systems_;
  std::unique_ptr<store::IStore> store_;
  std::unique_ptr<routing::Ingestor> ingestor_;
  std::unique_ptr<routing::Processor> processor_;
  std::unique_ptr<FrameHandler> frameHandler_;
  std::unique_ptr<adapters::his_mllp::MllpServer> mllp_;
  std::unique_ptr<DicomIntake> dicomIntake_;
  std::unique_ptr<adapters::pacs_dicom::InstanceArchive> archive_;
  std::unique_ptr<adapters::pacs_dicom::DicomServer> dicom_;
  std::unique_ptr<ImagingStudyPublisher> imaging_;
  std::unique_ptr<ImageFetcher> fetcher_;
  std::unique_ptr<DicomForwarder> forwarder_;
  std::vector<std::unique_ptr<RegionalSender>> senders_;
  std::unique_ptr<PlatformInbound> inbound_;
  std::unique_ptr<PlatformPoller> poller_;
  std::unique_ptr<fhir::FhirServer> fhir_;
  std::unique_ptr<ConsultationWorkflow> workflow_;
  std::unique_ptr<ConsultPackage> package_;
  std::unique_ptr<WorkflowProxy> proxy_;
  std::unique_ptr<HisMessages> his_;
  std::unique_ptr<HisApplications> applications_;
  std::unique_ptr<CaseArchive> caseArchive_;
  std::unique_ptr<ReportSigning> signing_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<http::HttpServer> http_;
};

// The store a config names ("sqlite:PATH"); throws core::Error for other schemes.
std::unique_ptr<store::IStore> openStore(const core::GatewayConfig& config);
std::string storePath(const core::GatewayConfig& config);
// Reads identity.systemsFile; throws core::Error(ConfigInvalid) naming the key.
mappings::identity::IdentifierSystems loadIdentifierSystems(const std::string& path);

}  // namespace medbridge::app
