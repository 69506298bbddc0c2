#include "gateway/app/DicomForwarder.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <map>

#include "adapters/dicomweb/StowClient.h"
#include "adapters/pacs_dicom/DicomClient.h"
#include "gateway/core/ErrorCode.h"
#include "mappings/identity/DicomPatientFacts.h"

namespace medbridge::app {
namespace {

constexpr int kPerPass = 64;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.forward");
}

}  // namespace

DicomForwarder::DicomForwarder(const core::GatewayConfig& config, store::IStore& store,
                               const mappings::identity::IdentifierSystems& systems,
                               adapters::pacs_dicom::InstanceArchive& archive,
                               const core::IClock& clock)
    : config_(config), store_(store), systems_(systems), archive_(archive), clock_(clock) {}

DicomForwarder::~DicomForwarder() {
  stop();
}

void DicomForwarder::start() {
  loop_.start([this] { return sendDue(); }, std::chrono::milliseconds(500), "medbridge.app.forward",
              "forwarding");
}

void DicomForwarder::stop() {
  loop_.stop();
}

std::vector<std::int64_t> DicomForwarder::queueStudy(const std::string& studyUid,
                                                     const std::string& peer) {
  if (!config_.dicom.peers.count(peer)) throw core::Error(core::ErrorCode::DicomPeerUnknown, peer);
  mappings::dicom::InstanceFilter filter;
  filter.studyInstanceUids = {studyUid};
  std::vector<std::string> uids;
  for (const auto& i : store_.dicomInstances(filter)) uids.push_back(i.sopInstanceUid);
  auto ids = store_.queueDicomForwards(uids, peer, clock_.nowMillis());
  loop_.wake();
  log().information("study %s: %z instances queued for %s", studyUid, ids.size(), peer);
  return ids;
}

std::pair<std::string, std::string> DicomForwarder::coercedId(
    const mappings::dicom::DicomSummary& instance, const core::DicomPeer& peer) {
  auto facts = mappings::identity::patientFactsFromDicom(instance, systems_);
  for (const auto& id : facts.identifiers) {
    auto known = store_.crossReference(id.system, id.value);
    if (!known) continue;
    for (const auto& k : *known) {
      if (k.system != peer.patientIdSystem) continue;
      std::string issuer = k.system;  // the table's authority name when it has one
      for (const auto& s : systems_.all())
        if (s.system == k.system) {
          issuer = s.authority;
          break;
        }
      return {k.value, issuer};
    }
  }
  return {};
}

int DicomForwarder::sendDue() {
  std::int64_t now = clock_.nowMillis();
  auto due = store_.dueDicomForwards(now, kPerPass);
  std::map<std::string, std::vector<store::DicomForward>> byPeer;
  for (auto& f : due) byPeer[f.peer].push_back(f);
  auto retryOrFail = [&](const store::DicomForward& f, const std::string& error) {
    bool last = f.attempts + 1 >= config_.workers.maxAttempts;
    std::int64_t delay = config_.workers.retryBaseSeconds * 1000LL << std::min(f.attempts, 16);
    store_.finishDicomForward(f.id, last ? "failed" : "ready", error, now + delay);
    log().warning("forward of %s to %s %s: %s", f.sopInstanceUid, f.peer,
                  std::string(last ? "failed for good" : "will be retried"), error);
  };
  for (auto& [peerAet, forwards] : byPeer) {
    auto peer = config_.dicom.peers.find(peerAet);
    std::vector<adapters::pacs_dicom::DicomClient::Outgoing> items;
    std::vector<const store::DicomForward*> sent;
    for (const auto& f : forwards) {
      mappings::dicom::InstanceFilter filter;
      filter.sopInstanceUids = {f.sopInstanceUid};
      auto found = store_.dicomInstances(filter);
      if (peer == config_.dicom.peers.end() || found.empty()) {
        store_.finishDicomForward(f.id, "failed",
                                  found.empty() ? "the instance is no longer stored"
                                                : "the peer is no longer in dicom.peers",
                                  now);
        continue;
      }
      adapters::pacs_dicom::DicomClient::Outgoing item{found.front(), "", ""};
      if (!peer->second.patientIdSystem.empty()) {
        std::tie(item.patientId, item.issuer) = coercedId(item.instance, peer->second);
        if (item.patientId.empty() && !peer->second.forwardUnresolved) {
          std::string error = "the patient index has no identifier in " +
                              peer->second.patientIdSystem + " for PatientID " +
                              item.instance.patientId;
          store_.finishDicomForward(f.id, "failed", error, now);
          log().warning("forward of %s to %s refused: %s", f.sopInstanceUid, peerAet, error);
          continue;
        }
      }
      items.push_back(std::move(item));
      sent.push_back(&f);
    }
    if (items.empty()) continue;
    if (!peer->second.stowUrl.empty()) {
      // STOW-RS: the instances as stored, in one request.
      std::vector<std::string> files;
      for (const auto& item : items) files.push_back(item.instance.file);
      auto outcome = adapters::dicomweb::stowInstances(peer->second.stowUrl, files, 60);
      for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& uid = items[i].instance.sopInstanceUid;
        bool refused = std::find(outcome.failedSops.begin(), outcome.failedSops.end(), uid) !=
                       outcome.failedSops.end();
        if (outcome.status == 200 || (outcome.status == 202 && !refused))
          store_.finishDicomForward(sent[i]->id, "done", "", now);
        else
          retryOrFail(*sent[i], refused ? "the STOW-RS server refused it" : outcome.problem);
      }
      continue;
    }
    adapters::pacs_dicom::DicomClient client(config_.dicom.aet, peerAet, peer->second, archive_);
    std::vector<adapters::pacs_dicom::DicomClient::Sent> results;
    try {
      results = client.store(items);
    } catch (const core::Error& e) {
      for (const auto* f : sent) retryOrFail(*f, e.what());
      continue;
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      if (r.status == 0 || (r.status & 0xF000) == 0xB000)
        store_.finishDicomForward(sent[i]->id, "done", "", now);
      else
        retryOrFail(*sent[i], r.problem);
    }
  }
  return static_cast<int>(due.size());
}

}  // namespace medbridge::app
