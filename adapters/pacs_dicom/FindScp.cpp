// C-FIND: the identifier becomes a DicomQuery, matched over the stored instance headers; one
// pending response per match, in the requester's character set where DCMTK can write it.
#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <rapidjson/document.h>

#include <memory>

#include "adapters/pacs_dicom/DicomJson.h"
#include "adapters/pacs_dicom/DicomScp.h"
#include "adapters/pacs_dicom/DimseStatus.h"
#include "adapters/pacs_dicom/QueryIdentifier.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

using namespace dimse;

using mappings::dicom::DicomQuery;

constexpr unsigned kCancelCheckEvery = 16;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

bool isAscii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

OFCondition DicomScp::handleFind(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID presId) {
  DcmDataset* received = nullptr;
  OFCondition cond = receiveFINDRequest(request, presId, received);
  if (cond.bad()) return cond;
  std::unique_ptr<DcmDataset> identifier(received);
  OFString sopClass = request.AffectedSOPClassUID;
  std::string peer = getPeerAETitle().c_str();
  OFString requestCharset;
  identifier->findAndGetOFStringArray(DCM_SpecificCharacterSet, requestCharset);
  DicomQuery query;
  std::string problem;
  Uint16 refusal = kDoesNotMatchSopClass;
  if (convertToUtf8(*identifier).bad()) {
    problem = "Specific Character Set '" + std::string(requestCharset.c_str()) + "' cannot be read";
    refusal = kCannotUnderstand;
  } else {
    problem = toQuery(*identifier, sopClass.c_str(), query);
  }
  if (!problem.empty()) {
    log().warning("C-FIND from %s refused: %s", peer, problem);
    return sendFINDResponse(presId, request.MessageID, sopClass, nullptr, refusal);
  }
  auto [instances, headers] = candidates(query);
  auto matches = mappings::dicom::findMatches(query, headers);
  // One value only can be converted to; code extensions (ISO 2022) are answered in UTF-8.
  bool answerInRequestCharset = !requestCharset.empty() && requestCharset != "ISO_IR 192" &&
                                requestCharset.find('\\') == OFString_npos;
  unsigned sent = 0;
  for (const auto& match : matches) {
    if (++sent % kCancelCheckEvery == 0 && checkForCANCEL(presId, request.MessageID).good()) {
      log().information("C-FIND from %s cancelled after %u responses", peer, sent - 1);
      return sendFINDResponse(presId, request.MessageID, sopClass, nullptr, kCanceled);
    }
    DcmDataset response;
    putJson(mappings::dicom::responseFor(query, match, headers), response);
    response.putAndInsertString(DCM_QueryRetrieveLevel, levelName(query.level));
    response.putAndInsertString(DCM_RetrieveAETitle, getAETitle().c_str());
    OFString text;
    bool ascii = true;
    for (unsigned long i = 0; i < response.card() && ascii; ++i)
      if (response.getElement(i)->isAffectedBySpecificCharacterSet()) {
        response.getElement(i)->getOFStringArray(text);
        ascii = isAscii(text.c_str());
      }
    if (!ascii) {
      response.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
      if (answerInRequestCharset && response.convertCharacterSet(requestCharset).bad())
        log().warning("C-FIND to %s: a response cannot be written in '%s'; sent in UTF-8", peer,
                      std::string(requestCharset.c_str()));
    }
    cond = sendFINDResponse(presId, request.MessageID, sopClass, &response, kPending);
    if (cond.bad()) return cond;
  }
  log().debug("C-FIND from %s: %z matches", peer, matches.size());
  return sendFINDResponse(presId, request.MessageID, sopClass, nullptr, kSuccess);
}

}  // namespace medbridge::adapters::pacs_dicom
