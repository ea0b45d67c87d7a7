/// Writes a transcript as a Word document: an Office Open XML package (ECMA-376) with a title
/// paragraph and one paragraph per cue.
///
/// Paragraphs whose first strong character is right-to-left (Arabic, Hebrew) are marked
/// `w:bidi` with `w:rtl` runs, so Word lays them out from the right. Fonts are left to the
/// reader's defaults, which cover Latin, CJK and Arabic in Word and LibreOffice.
public enum DocxWriter {
    /// Returns the `.docx` bytes.
    ///
    /// - Parameters:
    ///   - cues: the transcript lines in time order.
    ///   - title: the first paragraph and the document title, usually the media file name.
    ///   - includeTimestamps: prefix each paragraph with `[start - end]`.
    ///   - created: the UTC time stored in the ZIP entries and `dcterms:created`.
    public static func document(
        _ cues: [TranscriptCue],
        title: String,
        includeTimestamps: Bool,
        created: DateParts
    ) -> [UInt8] {
        var body = Self.paragraph(runs: [(text: title, style: "<w:b/><w:sz w:val=\"32\"/>")], text: title)
        for cue in cues {
            var runs: [(text: String, style: String)] = []
            if includeTimestamps {
                let start = TextTranscriptWriter.timestamp(cue.startMilliseconds, separator: ".")
                let end = TextTranscriptWriter.timestamp(cue.endMilliseconds, separator: ".")
                runs.append((text: "[\(start) - \(end)] ", style: "<w:color w:val=\"666666\"/>"))
            }
            runs.append((text: cue.text, style: ""))
            body += Self.paragraph(runs: runs, text: cue.text)
        }

        let document = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">\
            <w:body>\(body)<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>\
            <w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" \
            w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>
            """
        let coreProperties = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <cp:coreProperties \
            xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
            <dc:title>\(XMLText.escaped(title))</dc:title><dc:creator>Jumper</dc:creator>\
            <dcterms:created xsi:type="dcterms:W3CDTF">\(created.iso8601)</dcterms:created>\
            </cp:coreProperties>
            """

        var zip = ZipWriter(
            year: created.year,
            month: created.month,
            day: created.day,
            hour: created.hour,
            minute: created.minute,
            second: created.second
        )
        // [Content_Types].xml comes first, as Office writes it; some readers expect it there.
        zip.addFile(name: "[Content_Types].xml", data: Array(Self.contentTypes.utf8))
        zip.addFile(name: "_rels/.rels", data: Array(Self.packageRelationships.utf8))
        zip.addFile(name: "docProps/core.xml", data: Array(coreProperties.utf8))
        zip.addFile(name: "word/document.xml", data: Array(document.utf8))
        return zip.finish()
    }

    /// Builds one `w:p`; `text` decides the paragraph direction.
    private static func paragraph(runs: [(text: String, style: String)], text: String) -> String {
        let rightToLeft = TextDirection.isRightToLeft(text)
        var xml = "<w:p>"
        if rightToLeft {
            xml += "<w:pPr><w:bidi/></w:pPr>"
        }
        for run in runs {
            let style = run.style + (rightToLeft ? "<w:rtl/>" : "")
            xml += "<w:r>"
            if !style.isEmpty {
                xml += "<w:rPr>\(style)</w:rPr>"
            }
            xml += "<w:t xml:space=\"preserve\">\(XMLText.escaped(run.text))</w:t></w:r>"
        }
        return xml + "</w:p>"
    }

    private static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/word/document.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
        <Override PartName="/docProps/core.xml" \
        ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        </Types>
        """

    private static let packageRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" \
        Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
        Target="word/document.xml"/>\
        <Relationship Id="rId2" \
        Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
        Target="docProps/core.xml"/>\
        </Relationships>
        """
}
