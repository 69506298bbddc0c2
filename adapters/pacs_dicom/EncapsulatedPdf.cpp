#include "adapters/pacs_dicom/EncapsulatedPdf.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cctype>
#include <vector>

#include "gateway/core/ErrorCode.h"

namespace medbridge::adapters::pacs_dicom {

void writeEncapsulatedPdf(const EncapsulatedPdf& d, const std::string& file) {
  DcmFileFormat format;
  DcmDataset* ds = format.getDataset();
  auto put = [&](const DcmTagKey& tag, const std::string& value) {
    ds->putAndInsertString(tag, value.c_str());
  };
  put(DCM_SpecificCharacterSet, "ISO_IR 192");
  put(DCM_SOPClassUID, UID_EncapsulatedPDFStorage);
  put(DCM_SOPInstanceUID, d.sopUid);
  put(DCM_StudyInstanceUID, d.studyUid);
  put(DCM_SeriesInstanceUID, d.seriesUid);
  put(DCM_Modality, "DOC");
  put(DCM_ConversionType, "WSD");
  put(DCM_PatientName, d.patientName);
  put(DCM_PatientID, d.patientId);
  if (!d.issuerOfPatientId.empty()) put(DCM_IssuerOfPatientID, d.issuerOfPatientId);
  put(DCM_PatientBirthDate, d.patientBirthDate);
  put(DCM_PatientSex, d.patientSex);
  put(DCM_StudyDate, d.contentDate);
  put(DCM_StudyTime, d.contentTime);
  put(DCM_ContentDate, d.contentDate);
  put(DCM_ContentTime, d.contentTime);
  put(DCM_AcquisitionDateTime, d.contentDate + d.contentTime);
  put(DCM_AccessionNumber, "");
  put(DCM_ReferringPhysicianName, "");
  put(DCM_StudyID, "");
  put(DCM_SeriesNumber, "1");
  put(DCM_InstanceNumber, "1");
  put(DCM_Manufacturer, "medbridge");
  put(DCM_BurnedInAnnotation, "YES");
  put(DCM_DocumentTitle, d.title);
  DcmItem* code = nullptr;
  if (ds->findOrCreateSequenceItem(DCM_ConceptNameCodeSequence, code, -2).good() && code) {
    code->putAndInsertString(DCM_CodeValue, "11488-4");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "LN");
    code->putAndInsertString(DCM_CodeMeaning, "Consult note");
  }
  put(DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
  // OB values have an even length: a PDF of odd length gets one zero byte.
  std::vector<Uint8> bytes(d.pdf.begin(), d.pdf.end());
  if (bytes.size() % 2) bytes.push_back(0);
  ds->putAndInsertUint8Array(DCM_EncapsulatedDocument, bytes.data(),
                             static_cast<unsigned long>(bytes.size()));
  OFCondition saved = format.saveFile(file.c_str(), EXS_LittleEndianExplicit);
  if (saved.bad()) throw core::Error(core::ErrorCode::DicomWriteFailed, file + ": " + saved.text());
}

std::string uidFromUuid(const std::string& uuid) {
  // The 128-bit number in decimal, by repeated division of its hex digits by 10.
  std::vector<int> digits;
  for (char c : uuid)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      digits.push_back(std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                                   : std::tolower(c) - 'a' + 10);
  std::string decimal;
  while (!digits.empty()) {
    std::vector<int> quotient;
    int remainder = 0;
    for (int d : digits) {
      int value = remainder * 16 + d;
      if (!quotient.empty() || value / 10) quotient.push_back(value / 10);
      remainder = value % 10;
    }
    decimal.insert(decimal.begin(), static_cast<char>('0' + remainder));
    digits = std::move(quotient);
  }
  return "2.25." + (decimal.empty() ? std::string("0") : decimal);
}

}  // namespace medbridge::adapters::pacs_dicom
