#pragma once

#include <string>

namespace medbridge::adapters::pacs_dicom {

// A DICOM UID as a path component is safe: digits and dots, 1 to 64 characters.
bool isUid(const std::string& text);

// Makes `from` durable at `to`: fsync of the file, missing directories created, rename, fsync
// of the directory (DCMTK writes without fsync). Throws std::runtime_error naming the step.
void placeDurably(const std::string& from, const std::string& to);

}  // namespace medbridge::adapters::pacs_dicom
