<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
    <context>
        <name>PasswordPrompt</name>
        <message>
            <source>The password was wrong. Enter the password for %1 again:</source>
            <translation>Das Passwort war falsch. Geben Sie das Passwort für %1 erneut ein:</translation>
        </message>
        <message>
            <source>%1 is protected. Enter its password:</source>
            <translation>%1 ist geschützt. Geben Sie das Passwort ein:</translation>
        </message>
        <message>
            <source>Password Required</source>
            <translation>Passwort erforderlich</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::MainWindow</name>
        <message>
            <source>Page %1 could not be rendered: %2</source>
            <translation>Seite %1 konnte nicht dargestellt werden: %2</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>&amp;Datei</translation>
        </message>
        <message>
            <source>Open &amp;Recent</source>
            <translation>&amp;Zuletzt geöffnet</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>&amp;Ansicht</translation>
        </message>
        <message>
            <source>&amp;Go</source>
            <translation>&amp;Gehe zu</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>&amp;Hilfe</translation>
        </message>
        <message>
            <source>Main Toolbar</source>
            <translation>Hauptwerkzeugleiste</translation>
        </message>
        <message>
            <source>Pages</source>
            <translation>Seiten</translation>
        </message>
        <message>
            <source>&amp;Open…</source>
            <translation>Ö&amp;ffnen …</translation>
        </message>
        <message>
            <source>Open a PDF (%1)</source>
            <translation>PDF öffnen (%1)</translation>
        </message>
        <message>
            <source>Open &amp;Sample Drawing</source>
            <translation>&amp;Beispielzeichnung öffnen</translation>
        </message>
        <message>
            <source>&amp;Close</source>
            <translation>&amp;Schließen</translation>
        </message>
        <message>
            <source>&amp;Preferences…</source>
            <translation>&amp;Einstellungen …</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>&amp;Beenden</translation>
        </message>
        <message>
            <source>&amp;Clear Recent Files</source>
            <translation>Liste &amp;leeren</translation>
        </message>
        <message>
            <source>Zoom &amp;In</source>
            <translation>Ver&amp;größern</translation>
        </message>
        <message>
            <source>Zoom &amp;Out</source>
            <translation>Ver&amp;kleinern</translation>
        </message>
        <message>
            <source>Fit &amp;Page</source>
            <translation>Ganze &amp;Seite</translation>
        </message>
        <message>
            <source>&amp;Actual Size</source>
            <translation>&amp;Originalgröße</translation>
        </message>
        <message>
            <source>Fit &amp;Width</source>
            <translation>Seiten&amp;breite</translation>
        </message>
        <message>
            <source>&amp;First Page</source>
            <translation>&amp;Erste Seite</translation>
        </message>
        <message>
            <source>&amp;Previous Page</source>
            <translation>&amp;Vorherige Seite</translation>
        </message>
        <message>
            <source>&amp;Next Page</source>
            <translation>&amp;Nächste Seite</translation>
        </message>
        <message>
            <source>&amp;Last Page</source>
            <translation>&amp;Letzte Seite</translation>
        </message>
        <message>
            <source>&amp;About LayoutLens</source>
            <translation>Ü&amp;ber LayoutLens</translation>
        </message>
        <message>
            <source>Page &amp;Thumbnails</source>
            <translation>Seiten&amp;miniaturen</translation>
        </message>
        <message>
            <source>No document</source>
            <translation>Kein Dokument</translation>
        </message>
        <message>
            <source>Page %1 / %2</source>
            <translation>Seite %1 / %2</translation>
        </message>
        <message>
            <source>Zoom %1 %</source>
            <translation>Zoom %1 %</translation>
        </message>
        <message>
            <source>Render %1 dpi</source>
            <translation>Darstellung %1 dpi</translation>
        </message>
        <message>
            <source>Rendering…</source>
            <translation>Wird dargestellt …</translation>
        </message>
        <message>
            <source>%1 — LayoutLens</source>
            <translation>%1 — LayoutLens</translation>
        </message>
        <message>
            <source>%1 (%2) — LayoutLens</source>
            <translation>%1 (%2) — LayoutLens</translation>
        </message>
        <message>
            <source>%1 does not exist. Check the path, or choose the file again with File &gt; Open.</source>
            <translation>%1 existiert nicht. Prüfen Sie den Pfad oder wählen Sie die Datei erneut über Datei &gt; Öffnen.</translation>
        </message>
        <message>
            <source>%1 cannot be read. Check that you have permission to read it.</source>
            <translation>%1 kann nicht gelesen werden. Prüfen Sie, ob Sie Leserechte für die Datei haben.</translation>
        </message>
        <message>
            <source>%1 is not a PDF file. LayoutLens opens PDF documents only.</source>
            <translation>%1 ist keine PDF-Datei. LayoutLens öffnet nur PDF-Dokumente.</translation>
        </message>
        <message>
            <source>%1 is damaged and cannot be opened. Ask for a new copy, or re-save it with another PDF tool.</source>
            <translation>%1 ist beschädigt und kann nicht geöffnet werden. Besorgen Sie eine neue Kopie oder speichern Sie die Datei mit einem anderen PDF-Programm neu.</translation>
        </message>
        <message>
            <source>%1 is password-protected and was not opened.</source>
            <translation>%1 ist passwortgeschützt und wurde nicht geöffnet.</translation>
        </message>
        <message>
            <source>%1 has no pages to show.</source>
            <translation>%1 enthält keine Seiten, die angezeigt werden können.</translation>
        </message>
        <message>
            <source>%1 is too large to open: %2</source>
            <translation>%1 ist zu groß zum Öffnen: %2</translation>
        </message>
        <message>
            <source>%1 cannot be opened: %2</source>
            <translation>%1 kann nicht geöffnet werden: %2</translation>
        </message>
        <message>
            <source>Open PDF</source>
            <translation>PDF öffnen</translation>
        </message>
        <message>
            <source>PDF documents (*.pdf);;All files (*)</source>
            <translation>PDF-Dokumente (*.pdf);;Alle Dateien (*)</translation>
        </message>
        <message>
            <source>The sample drawing was not found next to the program. Build the sample_drawing target, or reinstall LayoutLens.</source>
            <translation>Die Beispielzeichnung wurde neben dem Programm nicht gefunden. Bauen Sie das Ziel sample_drawing oder installieren Sie LayoutLens neu.</translation>
        </message>
        <message>
            <source>Removed from the recent files because they no longer exist: %1</source>
            <translation>Aus der Liste der zuletzt geöffneten Dateien entfernt, weil sie nicht mehr existieren: %1</translation>
        </message>
        <message>
            <source>No recent files</source>
            <translation>Keine zuletzt geöffneten Dateien</translation>
        </message>
        <message>
            <source>The new language is used from the next start.</source>
            <translation>Die neue Sprache wird ab dem nächsten Start verwendet.</translation>
        </message>
        <message>
            <source>About LayoutLens</source>
            <translation>Über LayoutLens</translation>
        </message>
        <message>
            <source>&lt;h3&gt;LayoutLens %1&lt;/h3&gt;&lt;p&gt;Review technical drawings and engineering PDFs with layout and OCR models, on your own machine.&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</source>
            <translation>&lt;h3&gt;LayoutLens %1&lt;/h3&gt;&lt;p&gt;Technische Zeichnungen und Engineering-PDFs mit Layout- und OCR-Modellen prüfen, auf dem eigenen Rechner.&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</translation>
        </message>
        <message numerus="yes">
            <source>%n more dropped file(s) not opened: one document is shown at a time.</source>
            <translation>
                <numerusform>%n weitere abgelegte Datei wurde nicht geöffnet: Es wird jeweils ein Dokument angezeigt.</numerusform>
                <numerusform>%n weitere abgelegte Dateien wurden nicht geöffnet: Es wird jeweils ein Dokument angezeigt.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ll::ui::PreferencesDialog</name>
        <message>
            <source>Preferences</source>
            <translation>Einstellungen</translation>
        </message>
        <message>
            <source>Rendering</source>
            <translation>Darstellung</translation>
        </message>
        <message>
            <source>Models</source>
            <translation>Modelle</translation>
        </message>
        <message>
            <source>Generation</source>
            <translation>Generierung</translation>
        </message>
        <message>
            <source>Crops</source>
            <translation>Ausschnitte</translation>
        </message>
        <message>
            <source>Output</source>
            <translation>Ausgabe</translation>
        </message>
        <message>
            <source>Interface</source>
            <translation>Oberfläche</translation>
        </message>
        <message>
            <source>Defaults</source>
            <translation>Standardwerte</translation>
        </message>
        <message>
            <source>Put every setting back to its default value</source>
            <translation>Alle Einstellungen auf ihre Standardwerte zurücksetzen</translation>
        </message>
        <message>
            <source>Browse…</source>
            <translation>Durchsuchen …</translation>
        </message>
        <message>
            <source>Choose a Folder</source>
            <translation>Ordner wählen</translation>
        </message>
        <message>
            <source>Choose a PDF</source>
            <translation>PDF wählen</translation>
        </message>
        <message>
            <source>PDF files (*.pdf)</source>
            <translation>PDF-Dateien (*.pdf)</translation>
        </message>
        <message>
            <source> dpi</source>
            <translation> dpi</translation>
        </message>
        <message>
            <source>Resolution at which pages are rendered for the layout model</source>
            <translation>Auflösung, mit der Seiten für das Layoutmodell gerastert werden</translation>
        </message>
        <message>
            <source>Off</source>
            <translation>Aus</translation>
        </message>
        <message>
            <source> px</source>
            <translation> px</translation>
        </message>
        <message>
            <source>Lower the DPI of large sheets so their long edge stays within this many pixels (256 or more; Off = no limit)</source>
            <translation>Die Auflösung großer Blätter so weit senken, dass die lange Kante höchstens so viele Pixel hat (mindestens 256; Aus = keine Grenze)</translation>
        </message>
        <message>
            <source>all pages, or e.g. 1-3,7</source>
            <translation>alle Seiten, oder z. B. 1-3,7</translation>
        </message>
        <message>
            <source>Render resolution</source>
            <translation>Rasterauflösung</translation>
        </message>
        <message>
            <source>Maximum long edge</source>
            <translation>Maximale lange Kante</translation>
        </message>
        <message>
            <source>Page range</source>
            <translation>Seitenbereich</translation>
        </message>
        <message>
            <source>folder, Hugging Face cache folder or repo id</source>
            <translation>Ordner, Hugging-Face-Cache-Ordner oder Repo-ID</translation>
        </message>
        <message>
            <source>Layout model (dots.ocr)</source>
            <translation>Layoutmodell (dots.ocr)</translation>
        </message>
        <message>
            <source>Text model (Gemma 3n)</source>
            <translation>Textmodell (Gemma 3n)</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>Gerät</translation>
        </message>
        <message>
            <source>Precision</source>
            <translation>Genauigkeit</translation>
        </message>
        <message>
            <source>Attention</source>
            <translation>Attention</translation>
        </message>
        <message>
            <source>Extra token budget for the retry when the layout output cannot be parsed</source>
            <translation>Zusätzliches Token-Budget für den erneuten Versuch, wenn die Layoutausgabe nicht gelesen werden kann</translation>
        </message>
        <message>
            <source>Write a summary of every page</source>
            <translation>Eine Zusammenfassung jeder Seite schreiben</translation>
        </message>
        <message>
            <source>Batch size</source>
            <translation>Batchgröße</translation>
        </message>
        <message>
            <source>Maximum new tokens</source>
            <translation>Maximale neue Tokens</translation>
        </message>
        <message>
            <source>Extra tokens on retry</source>
            <translation>Zusätzliche Tokens beim Wiederholen</translation>
        </message>
        <message>
            <source>Page summaries</source>
            <translation>Seitenzusammenfassungen</translation>
        </message>
        <message>
            <source>Padding around pictures</source>
            <translation>Rand um Abbildungen</translation>
        </message>
        <message>
            <source>Upscale factor</source>
            <translation>Vergrößerungsfaktor</translation>
        </message>
        <message>
            <source>Save a manifest of the picture regions</source>
            <translation>Ein Verzeichnis der Bildbereiche speichern</translation>
        </message>
        <message>
            <source>Log every step</source>
            <translation>Jeden Schritt protokollieren</translation>
        </message>
        <message>
            <source>Input PDF</source>
            <translation>Eingabe-PDF</translation>
        </message>
        <message>
            <source>Input image folder</source>
            <translation>Eingabe-Bildordner</translation>
        </message>
        <message>
            <source>Crops folder</source>
            <translation>Ordner für Ausschnitte</translation>
        </message>
        <message>
            <source>Reports folder</source>
            <translation>Ordner für Berichte</translation>
        </message>
        <message>
            <source>Manifest</source>
            <translation>Verzeichnis</translation>
        </message>
        <message>
            <source>Manifest file name</source>
            <translation>Dateiname des Verzeichnisses</translation>
        </message>
        <message>
            <source>Verbose</source>
            <translation>Ausführlich</translation>
        </message>
        <message>
            <source>System</source>
            <translation>System</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>Sprache</translation>
        </message>
        <message>
            <source>%1: %2</source>
            <translation>%1: %2</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::MessageBar</name>
        <message>
            <source>Dismiss</source>
            <translation>Ausblenden</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PageRenderQueue</name>
        <message>
            <source>Page %1 has no area and cannot be shown.</source>
            <translation>Seite %1 hat keine Fläche und kann nicht angezeigt werden.</translation>
        </message>
        <message>
            <source>Page %1 could not be rendered.</source>
            <translation>Seite %1 konnte nicht dargestellt werden.</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PageThumbnailModel</name>
        <message>
            <source>Page %1 — %2 × %3 mm</source>
            <translation>Seite %1 — %2 × %3 mm</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PdfPageView</name>
        <message>
            <source>Rendering page %1…</source>
            <translation>Seite %1 wird dargestellt …</translation>
        </message>
    </context>
    <context>
        <name>main</name>
        <message>
            <source>Review technical drawings and engineering PDFs.</source>
            <translation>Technische Zeichnungen und Engineering-PDFs prüfen.</translation>
        </message>
        <message>
            <source>PDF files to open (the first one is shown).</source>
            <translation>Zu öffnende PDF-Dateien (die erste wird angezeigt).</translation>
        </message>
        <message numerus="yes">
            <source>%n more file(s) on the command line not opened: one document is shown at a time.</source>
            <translation>
                <numerusform>%n weitere Datei auf der Befehlszeile wurde nicht geöffnet: Es wird jeweils ein Dokument angezeigt.</numerusform>
                <numerusform>%n weitere Dateien auf der Befehlszeile wurden nicht geöffnet: Es wird jeweils ein Dokument angezeigt.</numerusform>
            </translation>
        </message>
    </context>
</TS>
