#pragma once

// C-FIND / QIDO-RS matching over stored instance headers in the DICOM JSON model (PS3.18 F.2),
// numbers kept as text (parse with kParseNumbersAsStringsFlag). DCMTK-free: the PACS adapter turns
// a C-FIND identifier into a DicomQuery and a response back into a data set.
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <vector>

namespace medbridge::mappings::dicom {

enum class QueryLevel { Patient, Study, Series, Image };

// "PATIENT", "STUDY", "SERIES", "IMAGE" (also "INSTANCE"); false when unknown.
bool parseQueryLevel(const std::string& text, QueryLevel& level);

// One key: the attribute as 8 upper-case hex digits, its VR and the value asked for in UTF-8
// ("" = universal matching: any value matches and is returned).
struct QueryKey {
  std::string tag, vr, value;
};

struct DicomQuery {
  QueryLevel level = QueryLevel::Study;
  std::vector<QueryKey> keys;
};

// Which rows the store reads before matching: UIDs or Patient IDs named without wildcards, the
// narrowest first. All lists empty = every instance.
struct InstanceFilter {
  std::vector<std::string> sopInstanceUids, seriesInstanceUids, studyInstanceUids, patientIds;
};
InstanceFilter prefilter(const DicomQuery& query);

// Whether the attribute `key.tag` of a header matches the key (PS3.4 C.2.2.2): universal, single
// value, wildcard (* and ? on characters, not bytes), range (DA, TM, DT: a-b, -b, a-) and list
// (values separated by backslash, any may match). Person names match without regard to ASCII case;
// a name without '=' may match any of the stored component groups (alphabetic, ideographic,
// phonetic), one with '=' matches group by group.
bool matchesKey(const rapidjson::Value& header, const QueryKey& key);

// One matching entity at the query level: its instances (indexes into the headers), the first
// of which matched every key and speaks for the entity.
struct QueryMatch {
  std::vector<std::size_t> instances;
};

// The entities (patients by PatientID + IssuerOfPatientID, studies, series or instances) with an
// instance matching every key, in the order their first instance appears. Computed attributes
// (ModalitiesInStudy, SOPClassesInStudy) match against all of the entity's instances.
std::vector<QueryMatch> findMatches(const DicomQuery& query,
                                    const std::vector<rapidjson::Document>& headers);

// The response identifier of one match as a DICOM JSON object: every key of the query with the
// entity's value (empty when it has none), the level's unique keys, and the computed counts
// (NumberOf...Related..., ModalitiesInStudy, SOPClassesInStudy) when asked for.
rapidjson::Document responseFor(const DicomQuery& query, const QueryMatch& match,
                                const std::vector<rapidjson::Document>& headers);

}  // namespace medbridge::mappings::dicom
