#pragma once
// One mapping from PDF errors to the CLI's documented exit codes, shared by every command that opens PDFs.
#include "cli/command.h"
#include "core/pipeline/pdf_document.h"

namespace ll::cli {

inline int exitCodeForPdfError(pipeline::PdfError::Code code) {
  switch (code) {
    case pipeline::PdfError::PasswordRequired:
    case pipeline::PdfError::WrongPassword: return kExitPasswordError;
    case pipeline::PdfError::PageOutOfRange: return kExitUsage;
    case pipeline::PdfError::None: return kExitOk;
    default: return kExitInputError;
  }
}

}  // namespace ll::cli
