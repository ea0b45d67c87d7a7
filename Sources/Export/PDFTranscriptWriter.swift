import CPangoCairo

/// Writes a transcript as an A4 PDF with Pango and Cairo.
///
/// Pango shapes each paragraph with HarfBuzz, applies the Unicode bidirectional algorithm
/// (Arabic and Hebrew paragraphs are laid out right-to-left and aligned right) and picks a
/// fallback font through fontconfig for every script the first font lacks. Cairo embeds a
/// subset of each font used, so the PDF renders the same on machines without those fonts.
public enum PDFTranscriptWriter {
    /// The font list Pango tries first: Noto Sans for Latin, Greek and Cyrillic, then the
    /// Japanese cut of Noto Sans CJK and Noto Naskh Arabic (Debian packages `fonts-noto-core`
    /// and `fonts-noto-cjk`). Missing fonts fall back to whatever fontconfig finds.
    public static let fontFamilies = "Noto Sans, Noto Sans CJK JP, Noto Naskh Arabic, DejaVu Sans"

    private static let pageWidth = 595.276  // A4 in points
    private static let pageHeight = 841.890
    private static let margin = 56.693  // 2 cm

    /// Writes the PDF to `path`, replacing any file there.
    ///
    /// - Throws: `ExportError.pdfFailed` when Cairo cannot create or finish the file.
    public static func write(
        _ cues: [TranscriptCue],
        title: String,
        includeTimestamps: Bool,
        to path: String
    ) throws(ExportError) {
        guard let surface = cairo_pdf_surface_create(path, Self.pageWidth, Self.pageHeight) else {
            throw .pdfFailed(path: path, reason: "cairo_pdf_surface_create returned no surface")
        }
        defer { cairo_surface_destroy(surface) }
        try Self.check(cairo_surface_status(surface), path: path)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Jumper")

        guard let context = cairo_create(surface) else {
            throw .pdfFailed(path: path, reason: "cairo_create returned no context")
        }
        defer { cairo_destroy(context) }

        var page = PageCursor(context: context, top: Self.margin, bottom: Self.pageHeight - Self.margin)
        page.draw(title, font: "\(Self.fontFamilies) Bold 16", gray: 0, left: Self.margin, width: Self.textWidth)
        page.advance(by: 8)
        for cue in cues {
            if includeTimestamps {
                let start = TextTranscriptWriter.timestamp(cue.startMilliseconds, separator: ".")
                let end = TextTranscriptWriter.timestamp(cue.endMilliseconds, separator: ".")
                page.keepTogether(height: 30)
                page.draw(
                    "\(start) - \(end)",
                    font: "\(Self.fontFamilies) 8",
                    gray: 0.4,
                    left: Self.margin,
                    width: Self.textWidth
                )
            }
            page.draw(cue.text, font: "\(Self.fontFamilies) 11", gray: 0, left: Self.margin, width: Self.textWidth)
            page.advance(by: 6)
        }

        cairo_surface_finish(surface)
        try Self.check(cairo_surface_status(surface), path: path)
        try Self.check(cairo_status(context), path: path)
    }

    private static var textWidth: Double {
        Self.pageWidth - 2 * Self.margin
    }

    private static func check(_ status: cairo_status_t, path: String) throws(ExportError) {
        guard status == CAIRO_STATUS_SUCCESS else {
            let reason = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw .pdfFailed(path: path, reason: reason)
        }
    }
}

/// The vertical position on the current page; starts a new page when a line does not fit.
private struct PageCursor {
    let context: OpaquePointer
    let top: Double
    let bottom: Double
    var y: Double

    init(context: OpaquePointer, top: Double, bottom: Double) {
        self.context = context
        self.top = top
        self.bottom = bottom
        self.y = top
    }

    mutating func advance(by points: Double) {
        self.y += points
    }

    /// Starts a new page unless `height` more points fit on this one.
    mutating func keepTogether(height: Double) {
        if self.y + height > self.bottom {
            cairo_show_page(self.context)
            self.y = self.top
        }
    }

    /// Lays out `text` as one paragraph `width` points wide and draws it line by line, so a
    /// paragraph longer than the rest of the page continues on the next one.
    mutating func draw(_ text: String, font: String, gray: Double, left: Double, width: Double) {
        guard let layout = pango_cairo_create_layout(self.context) else { return }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let scale = Double(cpangocairo_scale())
        pango_layout_set_width(layout, Int32(width * scale))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        let description = pango_font_description_from_string(font)
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)
        pango_layout_set_text(layout, text, -1)
        cairo_set_source_rgb(self.context, gray, gray, gray)

        guard let iterator = pango_layout_get_iter(layout) else { return }
        defer { pango_layout_iter_free(iterator) }
        repeat {
            var logical = PangoRectangle()
            pango_layout_iter_get_line_extents(iterator, nil, &logical)
            let lineHeight = Double(logical.height) / scale
            let ascent = Double(pango_layout_iter_get_baseline(iterator) - logical.y) / scale
            self.keepTogether(height: lineHeight)
            // x is the line's offset inside the layout: right-to-left lines sit at the right.
            cairo_move_to(self.context, left + Double(logical.x) / scale, self.y + ascent)
            if let line = pango_layout_iter_get_line_readonly(iterator) {
                pango_cairo_show_layout_line(self.context, line)
            }
            self.y += lineHeight
        } while pango_layout_iter_next_line(iterator) != 0
    }
}
