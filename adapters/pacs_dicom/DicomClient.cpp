#include "adapters/pacs_dicom/DicomClient.h"

#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "adapters/pacs_dicom/DicomJson.h"
#include "adapters/pacs_dicom/DimseStatus.h"
#include "adapters/pacs_dicom/Outgoing.h"
#include "gateway/core/ErrorCode.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

using namespace dimse;

constexpr int kTimeoutSeconds = 30;
constexpr Uint32 kMaxPdu = 65536;  // as the SCP

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

// What a C-GET asks the PACS to send back (C-MOVE has no such limit: the PACS proposes).
const char* const kRetrievedSopClasses[] = {
    UID_CTImageStorage,
    UID_MRImageStorage,
    UID_ComputedRadiographyImageStorage,
    UID_DigitalXRayImageStorageForPresentation,
    UID_DigitalXRayImageStorageForProcessing,
    UID_DigitalMammographyXRayImageStorageForPresentation,
    UID_UltrasoundImageStorage,
    UID_UltrasoundMultiframeImageStorage,
    UID_SecondaryCaptureImageStorage,
    UID_XRayAngiographicImageStorage,
    UID_XRayRadiofluoroscopicImageStorage,
    UID_NuclearMedicineImageStorage,
    UID_PositronEmissionTomographyImageStorage,
    UID_BasicTextSRStorage,
    UID_EnhancedSRStorage,
};

// A DcmSCU whose C-GET sub-operations are received straight into files of the archive (bit for
// bit: no decoding of pixel data, no re-encoding) and kept deferred until the retrieval ends.
class Scu : public DcmSCU {
 public:
  Scu(InstanceArchive& archive, const std::string& peerAet)
      : archive_(archive), peerAet_(peerAet) {}
  int stored = 0;

 protected:
  OFCondition handleSTORERequestFile(T_ASC_PresentationContextID* presId,
                                     const OFString& /*dcmtkFilename*/,
                                     T_DIMSE_C_StoreRQ* request) override {
    status_ = kOutOfResources;
    std::string file;
    try {
      file = archive_.reserve();
    } catch (const std::exception& e) {
      log().error("C-GET from %s: %s", peerAet_, std::string(e.what()));
      return ignoreSTORERequest(*presId, *request);
    }
    OFCondition received = DcmSCU::handleSTORERequestFile(presId, file.c_str(), request);
    if (received.bad()) {
      archive_.release(file);
      return received;
    }
    status_ = archive_.accept(file, request->AffectedSOPClassUID, request->AffectedSOPInstanceUID,
                              peerAet_, InstanceArchive::When::Deferred);
    if (status_ == kSuccess) ++stored;
    return EC_Normal;
  }
  // DcmSCU answers success for every data set it could receive; medbridge's checks decide.
  OFCondition sendSTOREResponse(T_ASC_PresentationContextID presId, Uint16 status,
                                const T_DIMSE_C_StoreRQ& request) override {
    return DcmSCU::sendSTOREResponse(presId, status == kSuccess ? status_ : status, request);
  }

 private:
  InstanceArchive& archive_;
  std::string peerAet_;
  Uint16 status_ = kSuccess;
};

[[noreturn]] void fail(core::ErrorCode code, const std::string& what) {
  throw core::Error(code, what);
}

void connect(Scu& scu, const std::string& localAet, const std::string& peerAet,
             const core::DicomPeer& peer) {
  scu.setAETitle(localAet.c_str());
  scu.setPeerAETitle(peerAet.c_str());
  scu.setPeerHostName(peer.host.c_str());
  scu.setPeerPort(static_cast<Uint16>(peer.port));
  scu.setACSETimeout(kTimeoutSeconds);
  scu.setDIMSETimeout(kTimeoutSeconds);
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setMaxReceivePDULength(kMaxPdu);  // C-GET data arrive in fewer, larger pieces
  OFCondition cond = scu.initNetwork();
  if (cond.good()) cond = scu.negotiateAssociation();
  if (cond.bad())
    fail(core::ErrorCode::DicomPeerUnreachable,
         peerAet + " at " + peer.host + ":" + std::to_string(peer.port) + ": " + cond.text());
}

OFList<OFString> uncompressed() {
  OFList<OFString> ts;
  ts.push_back(UID_LittleEndianExplicitTransferSyntax);
  ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  return ts;
}

T_ASC_PresentationContextID contextFor(Scu& scu, const char* sopClass, const std::string& peer) {
  T_ASC_PresentationContextID id = scu.findAnyPresentationContextID(sopClass, "");
  if (id == 0) fail(core::ErrorCode::DicomPeerFailed, peer + " does not offer " + sopClass);
  return id;
}

std::string statusText(Uint16 status) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", status);
  return buf;
}

}  // namespace

DicomClient::DicomClient(std::string localAet, std::string peerAet, core::DicomPeer peer,
                         InstanceArchive& archive)
    : localAet_(std::move(localAet)),
      peerAet_(std::move(peerAet)),
      peer_(std::move(peer)),
      archive_(archive) {}

void DicomClient::echo() const {
  Scu scu(archive_, peerAet_);
  scu.addPresentationContext(UID_VerificationSOPClass, uncompressed());
  connect(scu, localAet_, peerAet_, peer_);
  OFCondition cond = scu.sendECHORequest(0);
  scu.releaseAssociation();
  if (cond.bad()) fail(core::ErrorCode::DicomPeerFailed, peerAet_ + ": C-ECHO: " + cond.text());
}

std::vector<std::string> DicomClient::find(const mappings::dicom::DicomQuery& query) const {
  Scu scu(archive_, peerAet_);
  scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, uncompressed());
  connect(scu, localAet_, peerAet_, peer_);
  DcmDataset keys;
  keys.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  keys.putAndInsertString(DCM_QueryRetrieveLevel,
                          query.level == mappings::dicom::QueryLevel::Series  ? "SERIES"
                          : query.level == mappings::dicom::QueryLevel::Image ? "IMAGE"
                                                                              : "STUDY");
  rapidjson::Document json(rapidjson::kObjectType);
  auto& a = json.GetAllocator();
  for (const auto& k : query.keys) {
    rapidjson::Value attr(rapidjson::kObjectType);
    attr.AddMember("vr", rapidjson::Value(k.vr.c_str(), a), a);
    if (!k.value.empty()) {
      rapidjson::Value values(rapidjson::kArrayType);
      values.PushBack(rapidjson::Value(k.value.c_str(), a), a);
      attr.AddMember("Value", values, a);
    }
    json.AddMember(rapidjson::Value(k.tag.c_str(), a), attr, a);
  }
  putJson(json, keys);
  OFList<QRResponse*> responses;
  OFCondition cond = scu.sendFINDRequest(
      contextFor(scu, UID_FINDStudyRootQueryRetrieveInformationModel, peerAet_), &keys, &responses);
  scu.releaseAssociation();
  std::vector<std::string> studies;
  Uint16 finalStatus = kSuccess;
  for (QRResponse* r : responses) {
    if (r->m_dataset && r->m_status == 0xFF00) {
      convertToUtf8(*r->m_dataset);
      studies.push_back(headerJson(*r->m_dataset));
    } else if (r->m_status != 0xFF00) {
      finalStatus = r->m_status;
    }
    delete r;
  }
  if (cond.bad() || finalStatus != kSuccess)
    fail(core::ErrorCode::DicomPeerFailed,
         peerAet_ + ": C-FIND: " + (cond.bad() ? cond.text() : statusText(finalStatus)));
  return studies;
}

DicomClient::Retrieved DicomClient::retrieveStudy(const std::string& studyUid) const {
  bool get = peer_.retrieve == "get";
  Scu scu(archive_, peerAet_);
  const char* model = get ? UID_GETStudyRootQueryRetrieveInformationModel
                          : UID_MOVEStudyRootQueryRetrieveInformationModel;
  scu.addPresentationContext(model, uncompressed());
  if (get) {
    // The peer picks one transfer syntax per context, so each syntax gets its own context: an
    // instance then comes in the syntax it is kept in. 8 contexts for each of the 15 commonest
    // SOP classes nearly fill the 128 an association may have.
    std::vector<OFList<OFString>> syntaxes(8);
    syntaxes[0].push_back(UID_LittleEndianExplicitTransferSyntax);
    syntaxes[0].push_back(UID_LittleEndianImplicitTransferSyntax);
    const char* compressed[] = {
        UID_JPEGLSLosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax,
        UID_JPEG2000TransferSyntax,       UID_JPEGProcess1TransferSyntax,
        UID_JPEGProcess2_4TransferSyntax, UID_JPEGProcess14SV1TransferSyntax,
        UID_RLELosslessTransferSyntax};
    for (int i = 0; i < 7; ++i) syntaxes[i + 1].push_back(compressed[i]);
    for (const char* sopClass : kRetrievedSopClasses)
      for (const auto& ts : syntaxes) scu.addPresentationContext(sopClass, ts, ASC_SC_ROLE_SCP);
    scu.setStorageMode(DCMSCU_STORAGE_BIT_PRESERVING);  // sub-operations: handleSTORERequestFile
  }
  // C-MOVE sub-operations reach medbridge's SCP, which defers them while this runs.
  InstanceArchive::Retrieval retrieval(archive_);
  connect(scu, localAet_, peerAet_, peer_);
  DcmDataset keys;
  keys.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  keys.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
  OFList<RetrieveResponse*> responses;
  T_ASC_PresentationContextID id = contextFor(scu, model, peerAet_);
  OFCondition cond = get ? scu.sendCGETRequest(id, &keys, &responses)
                         : scu.sendMOVERequest(id, localAet_.c_str(), &keys, &responses);
  scu.releaseAssociation();
  // What arrived is kept even when the retrieval failed part way.
  InstanceArchive::Flushed flushed = archive_.flushDeferred();
  Retrieved out;
  Uint16 finalStatus = kSuccess;
  for (RetrieveResponse* r : responses) {
    if (r->m_status != 0xFF00) {
      finalStatus = r->m_status;
      out.completed = r->m_numberOfCompletedSubops;
      out.failed = r->m_numberOfFailedSubops;
      out.warning = r->m_numberOfWarningSubops;
    }
    delete r;
  }
  if (get) out.completed = std::max(0, scu.stored - flushed.failed);  // what medbridge kept
  out.failed += flushed.failed;
  log().information("%s of study %s from %s: %d completed, %d failed, %d warnings (status %s)",
                    std::string(get ? "C-GET" : "C-MOVE"), studyUid, peerAet_, out.completed,
                    out.failed, out.warning, statusText(finalStatus));
  if (cond.bad())
    fail(core::ErrorCode::DicomPeerFailed,
         peerAet_ + ": " + (get ? "C-GET: " : "C-MOVE: ") + cond.text());
  if (finalStatus != kSuccess && (finalStatus & 0xF000) != 0xB000)
    fail(core::ErrorCode::DicomPeerFailed, peerAet_ + ": " + (get ? "C-GET" : "C-MOVE") +
                                               " of study " + studyUid + " ended with status " +
                                               statusText(finalStatus));
  return out;
}

namespace {

// Puts the receiver's PatientID / IssuerOfPatientID in and keeps the stored ones as an item of
// Other Patient IDs Sequence.
void coerce(DcmDataset& ds, const std::string& patientId, const std::string& issuer) {
  OFString oldId, oldIssuer;
  ds.findAndGetOFString(DCM_PatientID, oldId);
  ds.findAndGetOFString(DCM_IssuerOfPatientID, oldIssuer);
  if (oldId == patientId.c_str() && oldIssuer == issuer.c_str()) return;
  DcmItem* item = nullptr;
  if (ds.findOrCreateSequenceItem(DCM_OtherPatientIDsSequence, item, -2).good() && item) {
    item->putAndInsertString(DCM_PatientID, oldId.c_str());
    item->putAndInsertString(DCM_IssuerOfPatientID, oldIssuer.c_str());
    item->putAndInsertString(DCM_TypeOfPatientID, "TEXT");
  }
  ds.putAndInsertString(DCM_PatientID, patientId.c_str());
  ds.putAndInsertString(DCM_IssuerOfPatientID, issuer.c_str());
}

}  // namespace

std::vector<DicomClient::Sent> DicomClient::store(const std::vector<Outgoing>& items) const {
  std::vector<Sent> out(items.size());
  if (items.empty()) return out;
  Scu scu(archive_, peerAet_);
  std::vector<mappings::dicom::DicomSummary> instances;
  for (const auto& i : items) instances.push_back(i.instance);
  auto proposed = proposeContexts(scu, instances);
  connect(scu, localAet_, peerAet_, peer_);
  auto accepted = acceptedContexts(scu, proposed);
  for (std::size_t n = 0; n < items.size(); ++n) {
    const auto& item = items[n];
    const Context* context = chooseContext(accepted, item.instance);
    if (!context) {
      out[n].problem = peerAet_ + " accepted no context for " + item.instance.sopClassUid;
      continue;
    }
    std::string why;
    auto file = loadFor(item.instance, context->transferSyntax, why);
    if (!file) {
      out[n].problem = why;
      continue;
    }
    if (!item.patientId.empty()) coerce(*file->getDataset(), item.patientId, item.issuer);
    Uint16 status = 0;
    OFCondition cond = scu.sendSTORERequest(context->id, "", file->getDataset(), status);
    if (cond.bad()) {
      out[n].problem = peerAet_ + ": C-STORE: " + cond.text();
      if (!scu.isConnected()) break;
      continue;
    }
    out[n].status = status;
    if (status != kSuccess && (status & 0xF000) != 0xB000)
      out[n].problem = peerAet_ + " answered C-STORE with status " + statusText(status);
  }
  if (scu.isConnected()) scu.releaseAssociation();
  return out;
}

}  // namespace medbridge::adapters::pacs_dicom
