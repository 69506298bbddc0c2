// C-GET (C-STORE sub-operations on the requester's own association, which DcmSCP does not do
// itself) and C-MOVE (a second association to the destination AE from dicom.peers). Instances
// leave in the transfer syntax they were received in when the receiver accepts it, else in an
// uncompressed one (JPEG, JPEG-LS and RLE are decoded; JPEG 2000 cannot be).
#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/scu.h>

#include <functional>
#include <memory>
#include <set>

#include "adapters/pacs_dicom/DicomJson.h"
#include "adapters/pacs_dicom/DicomScp.h"
#include "adapters/pacs_dicom/DimseStatus.h"
#include "adapters/pacs_dicom/Outgoing.h"
#include "adapters/pacs_dicom/QueryIdentifier.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

using namespace dimse;

using mappings::dicom::DicomSummary;

constexpr int kTimeoutSeconds = 30;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

struct Counts {
  Uint16 remaining = 0, completed = 0, failed = 0, warning = 0;
  std::vector<std::string> failedUids;

  void add(Uint16 status, const std::string& uid) {
    --remaining;
    if (status == kSuccess) {
      ++completed;
    } else if ((status & 0xF000) == 0xB000) {
      ++warning;
    } else {
      ++failed;
      failedUids.push_back(uid);
    }
  }
  Uint16 finalStatus(bool cancelled) const {
    if (cancelled) return kCanceled;
    if (failed == 0 && warning == 0) return kSuccess;
    if (completed == 0 && warning == 0) return kUnableToPerformSubOperations;
    return kSubOperationsFailed;
  }
  // The final response's identifier: the Failed SOP Instance UID List, when there are any.
  std::unique_ptr<DcmDataset> failedList() const {
    if (failedUids.empty()) return nullptr;
    std::string list;
    for (const auto& uid : failedUids) list += (list.empty() ? "" : "\\") + uid;
    auto ds = std::make_unique<DcmDataset>();
    ds->putAndInsertOFStringArray(DCM_FailedSOPInstanceUIDList, list.c_str());
    return ds;
  }
};

}  // namespace

Uint16 DicomScp::retrieveSet(DcmDataset& identifier, const std::string& sopClass,
                             std::vector<DicomSummary>& instances, std::string& problem) {
  if (convertToUtf8(identifier).bad()) {
    problem = "Specific Character Set cannot be read";
    return kCannotUnderstand;
  }
  mappings::dicom::DicomQuery query;
  problem = toQuery(identifier, sopClass, query);
  if (!problem.empty()) return kDoesNotMatchSopClass;
  auto found = candidates(query);
  for (const auto& match : mappings::dicom::findMatches(query, found.headers))
    for (std::size_t i : match.instances) instances.push_back(found.instances[i]);
  return kSuccess;
}

DicomScp::SubOperationResult DicomScp::storeHere(const DicomSummary& instance, Uint16 messageId,
                                                 bool& cancelled) {
  std::vector<Context> accepted;
  for (int id = 1; id <= 255; id += 2) {
    OFString as, ts;
    findPresentationContext(static_cast<T_ASC_PresentationContextID>(id), as, ts);
    if (!as.empty())
      accepted.push_back({static_cast<T_ASC_PresentationContextID>(id), as.c_str(), ts.c_str()});
  }
  const Context* context = chooseContext(accepted, instance);
  if (!context) {
    log().warning("C-GET to %s: no accepted presentation context for %s in %s or uncompressed",
                  std::string(getPeerAETitle().c_str()), instance.sopClassUid,
                  instance.transferSyntaxUid);
    return {kSopClassNotSupported, EC_Normal};
  }
  std::string why;
  auto file = loadFor(instance, context->transferSyntax, why);
  if (!file) {
    log().warning("C-GET of %s: %s", instance.sopInstanceUid, why);
    return {kOutOfResources, EC_Normal};
  }
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_C_STORE_RQ;
  T_DIMSE_C_StoreRQ& store = request.msg.CStoreRQ;
  store.MessageID = messageId;
  OFStandard::strlcpy(store.AffectedSOPClassUID, instance.sopClassUid.c_str(),
                      sizeof store.AffectedSOPClassUID);
  OFStandard::strlcpy(store.AffectedSOPInstanceUID, instance.sopInstanceUid.c_str(),
                      sizeof store.AffectedSOPInstanceUID);
  store.DataSetType = DIMSE_DATASET_PRESENT;
  store.Priority = DIMSE_PRIORITY_MEDIUM;
  OFCondition cond = sendDIMSEMessage(context->id, &request, file->getDataset());
  if (cond.bad()) return {kOutOfResources, cond};
  for (;;) {  // the C-STORE response; a C-CANCEL may come first
    T_DIMSE_Message response{};
    T_ASC_PresentationContextID responseId = 0;
    DcmDataset* detail = nullptr;
    cond = receiveDIMSECommand(&responseId, &response, &detail, nullptr, kTimeoutSeconds);
    delete detail;
    if (cond.bad()) return {kOutOfResources, cond};
    if (response.CommandField == DIMSE_C_CANCEL_RQ) {
      cancelled = true;
      continue;
    }
    if (response.CommandField == DIMSE_C_STORE_RSP &&
        response.msg.CStoreRSP.MessageIDBeingRespondedTo == messageId)
      return {response.msg.CStoreRSP.DimseStatus, EC_Normal};
    return {kOutOfResources, OFCondition(DIMSE_BADMESSAGE)};
  }
}

OFCondition DicomScp::handleGet(T_DIMSE_C_GetRQ& request, T_ASC_PresentationContextID presId) {
  DcmDataset* received = nullptr;
  T_ASC_PresentationContextID datasetId = presId;
  OFCondition cond = receiveDIMSEDataset(&datasetId, &received);
  if (cond.bad()) return cond;
  std::unique_ptr<DcmDataset> identifier(received);
  std::string peer = getPeerAETitle().c_str();
  auto respond = [&](Uint16 status, const Counts& counts, DcmDataset* data, bool final) {
    T_DIMSE_Message message{};
    message.CommandField = DIMSE_C_GET_RSP;
    T_DIMSE_C_GetRSP& r = message.msg.CGetRSP;
    r.MessageIDBeingRespondedTo = request.MessageID;
    OFStandard::strlcpy(r.AffectedSOPClassUID, request.AffectedSOPClassUID,
                        sizeof r.AffectedSOPClassUID);
    r.DimseStatus = status;
    r.DataSetType = data ? DIMSE_DATASET_PRESENT : DIMSE_DATASET_NULL;
    r.NumberOfRemainingSubOperations = counts.remaining;
    r.NumberOfCompletedSubOperations = counts.completed;
    r.NumberOfFailedSubOperations = counts.failed;
    r.NumberOfWarningSubOperations = counts.warning;
    r.opts = O_GET_AFFECTEDSOPCLASSUID | O_GET_NUMBEROFCOMPLETEDSUBOPERATIONS |
             O_GET_NUMBEROFFAILEDSUBOPERATIONS | O_GET_NUMBEROFWARNINGSUBOPERATIONS;
    if (!final) r.opts |= O_GET_NUMBEROFREMAININGSUBOPERATIONS;
    return sendDIMSEMessage(presId, &message, data);
  };
  std::vector<DicomSummary> instances;
  std::string problem;
  if (Uint16 refusal = retrieveSet(*identifier, request.AffectedSOPClassUID, instances, problem)) {
    log().warning("C-GET from %s refused: %s", peer, problem);
    return respond(refusal, Counts{}, nullptr, true);
  }
  Counts counts;
  counts.remaining = static_cast<Uint16>(instances.size());
  bool cancelled = false;
  Uint16 messageId = 1;
  for (const auto& instance : instances) {
    if (cancelled) break;
    auto result = storeHere(instance, messageId++, cancelled);
    if (result.cond.bad()) {
      log().warning("C-GET from %s: association lost during the sub-operations: %s", peer,
                    std::string(result.cond.text()));
      return result.cond;
    }
    counts.add(result.status, instance.sopInstanceUid);
    if (counts.remaining > 0 && !cancelled) {
      cond = respond(kPending, counts, nullptr, false);
      if (cond.bad()) return cond;
    }
  }
  log().information("C-GET from %s: %hu sent, %hu failed, %hu warnings%s", peer, counts.completed,
                    counts.failed, counts.warning, std::string(cancelled ? " (cancelled)" : ""));
  auto failed = counts.failedList();
  return respond(counts.finalStatus(cancelled), counts, failed.get(), true);
}

OFCondition DicomScp::handleMove(T_DIMSE_C_MoveRQ& request, T_ASC_PresentationContextID presId) {
  DcmDataset* received = nullptr;
  OFString destination;
  OFCondition cond = receiveMOVERequest(request, presId, received, destination);
  if (cond.bad()) return cond;
  std::unique_ptr<DcmDataset> identifier(received);
  std::string peer = getPeerAETitle().c_str();
  OFString sopClass = request.AffectedSOPClassUID;
  auto target = context_.peers.find(destination.c_str());
  if (target == context_.peers.end()) {
    log().warning("C-MOVE from %s refused: destination '%s' is not in dicom.peers", peer,
                  std::string(destination.c_str()));
    return sendMOVEResponse(presId, request.MessageID, sopClass, nullptr, kMoveDestinationUnknown);
  }
  std::vector<DicomSummary> instances;
  std::string problem;
  if (Uint16 refusal = retrieveSet(*identifier, sopClass.c_str(), instances, problem)) {
    log().warning("C-MOVE from %s refused: %s", peer, problem);
    return sendMOVEResponse(presId, request.MessageID, sopClass, nullptr, refusal);
  }
  Counts counts;
  counts.remaining = static_cast<Uint16>(instances.size());
  if (instances.empty())
    return sendMOVEResponse(presId, request.MessageID, sopClass, nullptr, kSuccess);

  DcmSCU scu;
  scu.setAETitle(getAETitle());
  scu.setPeerAETitle(destination);
  scu.setPeerHostName(target->second.host.c_str());
  scu.setPeerPort(static_cast<Uint16>(target->second.port));
  scu.setACSETimeout(kTimeoutSeconds);
  scu.setDIMSETimeout(kTimeoutSeconds);
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  auto proposed = proposeContexts(scu, instances);
  cond = scu.initNetwork();
  if (cond.good()) cond = scu.negotiateAssociation();
  if (cond.bad()) {
    log().warning("C-MOVE from %s: cannot associate with %s at %s:%d: %s", peer,
                  std::string(destination.c_str()), target->second.host, target->second.port,
                  std::string(cond.text()));
    counts.failed = counts.remaining;
    counts.remaining = 0;
    return sendMOVEResponse(presId, request.MessageID, sopClass, nullptr,
                            kUnableToPerformSubOperations, nullptr, 0, 0, counts.failed, 0);
  }
  std::vector<Context> accepted = acceptedContexts(scu, proposed);
  bool cancelled = false;
  for (const auto& instance : instances) {
    if (checkForCANCEL(presId, request.MessageID).good()) {
      cancelled = true;
      break;
    }
    Uint16 status = kSopClassNotSupported;
    std::string why = "no accepted presentation context";
    if (const Context* context = chooseContext(accepted, instance)) {
      if (auto file = loadFor(instance, context->transferSyntax, why)) {
        cond = scu.sendSTORERequest(context->id, "", file->getDataset(), status, getPeerAETitle(),
                                    request.MessageID);
        if (cond.bad()) {
          why = cond.text();
          status = kOutOfResources;
        }
      } else {
        status = kOutOfResources;
      }
    }
    if (status != kSuccess)
      log().warning("C-MOVE of %s to %s: status 0x%04hx (%s)", instance.sopInstanceUid,
                    std::string(destination.c_str()), status, why);
    counts.add(status, instance.sopInstanceUid);
    if (cond.bad() && !scu.isConnected()) break;
    if (counts.remaining > 0)
      sendMOVEResponse(presId, request.MessageID, sopClass, nullptr, kPending, nullptr,
                       counts.remaining, counts.completed, counts.failed, counts.warning);
  }
  if (scu.isConnected()) scu.releaseAssociation();
  // Instances left unsent when the destination dropped the association count as failed.
  if (!cancelled)
    for (std::size_t i = instances.size() - counts.remaining; i < instances.size(); ++i)
      counts.add(kOutOfResources, instances[i].sopInstanceUid);
  log().information("C-MOVE from %s to %s: %hu sent, %hu failed, %hu warnings%s", peer,
                    std::string(destination.c_str()), counts.completed, counts.failed,
                    counts.warning, std::string(cancelled ? " (cancelled)" : ""));
  auto failed = counts.failedList();
  return sendMOVEResponse(presId, request.MessageID, sopClass, failed.get(),
                          counts.finalStatus(cancelled), nullptr, counts.remaining,
                          counts.completed, counts.failed, counts.warning);
}

}  // namespace medbridge::adapters::pacs_dicom
