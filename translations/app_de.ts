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
        <message>
            <source>An analysis is running on this document. Cancel it (Analysis &gt; Cancel) before opening another document.</source>
            <translation>Für dieses Dokument läuft eine Analyse. Brechen Sie sie ab (Analyse &gt; Abbrechen), bevor Sie ein anderes Dokument öffnen.</translation>
        </message>
        <message>
            <source>Page %1 failed: %2</source>
            <translation>Seite %1 fehlgeschlagen: %2</translation>
        </message>
        <message>
            <source>&amp;Edit</source>
            <translation>&amp;Bearbeiten</translation>
        </message>
        <message>
            <source>&amp;Analysis</source>
            <translation>&amp;Analyse</translation>
        </message>
        <message>
            <source>Text</source>
            <translation>Text</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>Zusammenfassung</translation>
        </message>
        <message>
            <source>Picture Crops</source>
            <translation>Bildausschnitte</translation>
        </message>
        <message>
            <source>Layout Legend</source>
            <translation>Layout-Legende</translation>
        </message>
        <message>
            <source>Open Report or &amp;Job…</source>
            <translation>Bericht oder &amp;Auftrag öffnen …</translation>
        </message>
        <message>
            <source>Review the results of an earlier analysis (a report JSON or a job's document.json)</source>
            <translation>Ergebnisse einer früheren Analyse prüfen (ein Bericht-JSON oder die document.json eines Auftrags)</translation>
        </message>
        <message>
            <source>&amp;Export Report…</source>
            <translation>Bericht &amp;exportieren …</translation>
        </message>
        <message>
            <source>Export Page &amp;Overlay as PNG…</source>
            <translation>Seiten-&amp;Overlay als PNG exportieren …</translation>
        </message>
        <message>
            <source>&amp;Find…</source>
            <translation>&amp;Suchen …</translation>
        </message>
        <message>
            <source>Find &amp;Next</source>
            <translation>&amp;Weitersuchen</translation>
        </message>
        <message>
            <source>Find &amp;Previous</source>
            <translation>&amp;Rückwärts suchen</translation>
        </message>
        <message>
            <source>&amp;Analyze Document</source>
            <translation>Dokument &amp;analysieren</translation>
        </message>
        <message>
            <source>Find the layout, read the pictures and summarise every page (%1); pages done earlier are kept</source>
            <translation>Layout erkennen, Bilder lesen und jede Seite zusammenfassen (%1); bereits fertige Seiten bleiben erhalten</translation>
        </message>
        <message>
            <source>Analyze &amp;Pages…</source>
            <translation>&amp;Seiten analysieren …</translation>
        </message>
        <message>
            <source>Analyze &amp;Current Page</source>
            <translation>Aktuelle Seite a&amp;nalysieren</translation>
        </message>
        <message>
            <source>&amp;Cancel Analysis</source>
            <translation>Analyse a&amp;bbrechen</translation>
        </message>
        <message>
            <source>Stop the analysis; pages already finished are kept</source>
            <translation>Analyse anhalten; bereits fertige Seiten bleiben erhalten</translation>
        </message>
        <message>
            <source>&amp;Unload Models</source>
            <translation>Modelle &amp;entladen</translation>
        </message>
        <message>
            <source>Layout &amp;Boxes</source>
            <translation>Layout-&amp;Rahmen</translation>
        </message>
        <message>
            <source>Models not loaded (they load when you press Analyze)</source>
            <translation>Modelle nicht geladen (sie werden beim Analysieren geladen)</translation>
        </message>
        <message>
            <source>Loading models…</source>
            <translation>Modelle werden geladen …</translation>
        </message>
        <message>
            <source>Models ready: %1</source>
            <translation>Modelle bereit: %1</translation>
        </message>
        <message>
            <source>Models ready: %1 · %2 in use</source>
            <translation>Modelle bereit: %1 · %2 belegt</translation>
        </message>
        <message>
            <source>Models could not be loaded</source>
            <translation>Modelle konnten nicht geladen werden</translation>
        </message>
        <message>
            <source>Results of an earlier analysis are shown: %1 of %2 pages done.</source>
            <translation>Ergebnisse einer früheren Analyse werden angezeigt: %1 von %2 Seiten fertig.</translation>
        </message>
        <message numerus="yes">
            <source>%n page(s) failed.</source>
            <translation>
                <numerusform>%n Seite ist fehlgeschlagen.</numerusform>
                <numerusform>%n Seiten sind fehlgeschlagen.</numerusform>
            </translation>
        </message>
        <message>
            <source>Analyze continues with the remaining pages.</source>
            <translation>„Analysieren“ setzt mit den restlichen Seiten fort.</translation>
        </message>
        <message>
            <source>Open a PDF first (File &gt; Open), then analyse it.</source>
            <translation>Öffnen Sie zuerst ein PDF (Datei &gt; Öffnen) und analysieren Sie es dann.</translation>
        </message>
        <message>
            <source>An analysis is already running; wait for it or cancel it first.</source>
            <translation>Es läuft bereits eine Analyse; warten Sie darauf oder brechen Sie sie zuerst ab.</translation>
        </message>
        <message>
            <source>The page range &quot;%1&quot; cannot be used: %2. Write pages like 1-3,7 (this document has %3 pages).</source>
            <translation>Der Seitenbereich „%1“ ist nicht verwendbar: %2. Schreiben Sie Seiten wie 1-3,7 (dieses Dokument hat %3 Seiten).</translation>
        </message>
        <message>
            <source>it is empty</source>
            <translation>er ist leer</translation>
        </message>
        <message>
            <source>The settings cannot be used for an analysis: %1 Fix them in Preferences.</source>
            <translation>Mit diesen Einstellungen ist keine Analyse möglich: %1 Korrigieren Sie sie in den Einstellungen.</translation>
        </message>
        <message>
            <source>Analyze Pages</source>
            <translation>Seiten analysieren</translation>
        </message>
        <message>
            <source>Pages to analyse (1–%1), e.g. 1-3,7:</source>
            <translation>Zu analysierende Seiten (1–%1), z. B. 1-3,7:</translation>
        </message>
        <message>
            <source>Cancelling: the pages in progress finish their current step; finished pages are kept.</source>
            <translation>Wird abgebrochen: Die laufenden Seiten beenden ihren aktuellen Schritt; fertige Seiten bleiben erhalten.</translation>
        </message>
        <message>
            <source>Check the dots.ocr model folder and the Gemma model in Preferences, then press Analyze again.</source>
            <translation>Prüfen Sie den dots.ocr-Modellordner und das Gemma-Modell in den Einstellungen und analysieren Sie dann erneut.</translation>
        </message>
        <message numerus="yes">
            <source>Analysis cancelled. %n finished page(s) are kept; Analyze continues with the rest.</source>
            <translation>
                <numerusform>Analyse abgebrochen. %n fertige Seite bleibt erhalten; „Analysieren“ setzt mit dem Rest fort.</numerusform>
                <numerusform>Analyse abgebrochen. %n fertige Seiten bleiben erhalten; „Analysieren“ setzt mit dem Rest fort.</numerusform>
            </translation>
        </message>
        <message>
            <source>Analysis finished: %1 page(s) done, %2 failed (the reason is shown on each failed page). Analyze again to retry them.</source>
            <translation>Analyse beendet: %1 Seite(n) fertig, %2 fehlgeschlagen (der Grund steht auf jeder fehlgeschlagenen Seite). Analysieren Sie erneut, um sie zu wiederholen.</translation>
        </message>
        <message>
            <source>Analysis finished: %1 of %2 pages have results. File &gt; Export Report saves them.</source>
            <translation>Analyse beendet: %1 von %2 Seiten haben Ergebnisse. Datei &gt; Bericht exportieren speichert sie.</translation>
        </message>
        <message>
            <source>An analysis is running. Cancel it before opening other results.</source>
            <translation>Eine Analyse läuft. Brechen Sie sie ab, bevor Sie andere Ergebnisse öffnen.</translation>
        </message>
        <message>
            <source>The PDF these results belong to is not at %1 any more. Open the PDF from its new place; its earlier results are found again.</source>
            <translation>Das PDF zu diesen Ergebnissen liegt nicht mehr unter %1. Öffnen Sie das PDF an seinem neuen Ort; seine früheren Ergebnisse werden wiedergefunden.</translation>
        </message>
        <message>
            <source>%1 has changed since it was analysed (its checksum differs), so the results are not shown. Analyze it again.</source>
            <translation>%1 wurde seit der Analyse geändert (die Prüfsumme weicht ab), daher werden die Ergebnisse nicht angezeigt. Analysieren Sie es erneut.</translation>
        </message>
        <message>
            <source>Showing %1 analysed page(s) from %2.</source>
            <translation>%1 analysierte Seite(n) aus %2 werden angezeigt.</translation>
        </message>
        <message numerus="yes">
            <source>%n page(s) could not be read.</source>
            <translation>
                <numerusform>%n Seite konnte nicht gelesen werden.</numerusform>
                <numerusform>%n Seiten konnten nicht gelesen werden.</numerusform>
            </translation>
        </message>
        <message>
            <source>Open Report or Job</source>
            <translation>Bericht oder Auftrag öffnen</translation>
        </message>
        <message>
            <source>LayoutLens reports and jobs (*.json);;All files (*)</source>
            <translation>LayoutLens-Berichte und -Aufträge (*.json);;Alle Dateien (*)</translation>
        </message>
        <message>
            <source>There are no results to export yet: analyse the document or open a report first.</source>
            <translation>Es gibt noch keine Ergebnisse zum Exportieren: Analysieren Sie das Dokument oder öffnen Sie zuerst einen Bericht.</translation>
        </message>
        <message>
            <source>Export Report</source>
            <translation>Bericht exportieren</translation>
        </message>
        <message>
            <source>JSON report (*.json)</source>
            <translation>JSON-Bericht (*.json)</translation>
        </message>
        <message>
            <source>Report saved to %1</source>
            <translation>Bericht gespeichert unter %1</translation>
        </message>
        <message>
            <source>The report was not saved: %1</source>
            <translation>Der Bericht wurde nicht gespeichert: %1</translation>
        </message>
        <message>
            <source>%1 cannot be written; check the folder and the free space.</source>
            <translation>%1 kann nicht geschrieben werden; prüfen Sie den Ordner und den freien Speicherplatz.</translation>
        </message>
        <message>
            <source>Export Page Overlay</source>
            <translation>Seiten-Overlay exportieren</translation>
        </message>
        <message>
            <source>PNG image (*.png)</source>
            <translation>PNG-Bild (*.png)</translation>
        </message>
        <message>
            <source>Page %1 with its layout boxes saved to %2</source>
            <translation>Seite %1 mit ihren Layout-Rahmen gespeichert unter %2</translation>
        </message>
        <message>
            <source>The overlay was not saved: %1</source>
            <translation>Das Overlay wurde nicht gespeichert: %1</translation>
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
    <context>
        <name>CategoryStyle</name>
        <message>
            <source>Caption</source>
            <translation>Bildunterschrift</translation>
        </message>
        <message>
            <source>Footnote</source>
            <translation>Fußnote</translation>
        </message>
        <message>
            <source>Formula</source>
            <translation>Formel</translation>
        </message>
        <message>
            <source>List item</source>
            <translation>Listeneintrag</translation>
        </message>
        <message>
            <source>Page footer</source>
            <translation>Fußzeile</translation>
        </message>
        <message>
            <source>Page header</source>
            <translation>Kopfzeile</translation>
        </message>
        <message>
            <source>Picture</source>
            <translation>Bild</translation>
        </message>
        <message>
            <source>Section header</source>
            <translation>Abschnittsüberschrift</translation>
        </message>
        <message>
            <source>Table</source>
            <translation>Tabelle</translation>
        </message>
        <message>
            <source>Text</source>
            <translation>Text</translation>
        </message>
        <message>
            <source>Title</source>
            <translation>Titel</translation>
        </message>
    </context>
    <context>
        <name>ReviewResults</name>
        <message>
            <source>%1 cannot be read: %2</source>
            <translation>%1 kann nicht gelesen werden: %2</translation>
        </message>
        <message>
            <source>%1 is not a LayoutLens report or job file (it is not a JSON object: %2).</source>
            <translation>%1 ist kein LayoutLens-Bericht und keine Auftragsdatei (kein JSON-Objekt: %2).</translation>
        </message>
        <message>
            <source>%1 is not a LayoutLens report: it lacks schema_version, document or pages.</source>
            <translation>%1 ist kein LayoutLens-Bericht: schema_version, document oder pages fehlt.</translation>
        </message>
        <message>
            <source>%1 uses report schema %2, newer than this LayoutLens reads (%3). Update LayoutLens.</source>
            <translation>%1 verwendet das Berichtsschema %2, das neuer ist als das, was dieses LayoutLens liest (%3). Aktualisieren Sie LayoutLens.</translation>
        </message>
        <message>
            <source>page entry %1: %2</source>
            <translation>Seiteneintrag %1: %2</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::AnalysisController</name>
        <message>
            <source>An analysis is already running; wait for it or cancel it first.</source>
            <translation>Es läuft bereits eine Analyse; warten Sie darauf oder brechen Sie sie zuerst ab.</translation>
        </message>
        <message>
            <source>No analysis engine is configured.</source>
            <translation>Es ist keine Analyse-Engine eingerichtet.</translation>
        </message>
        <message>
            <source>the engine reported no reason</source>
            <translation>die Engine hat keinen Grund genannt</translation>
        </message>
        <message>
            <source>The models could not be loaded: %1</source>
            <translation>Die Modelle konnten nicht geladen werden: %1</translation>
        </message>
        <message>
            <source>Page range: %1</source>
            <translation>Seitenbereich: %1</translation>
        </message>
        <message>
            <source>The analysis stopped with an internal error: %1</source>
            <translation>Die Analyse wurde wegen eines internen Fehlers beendet: %1</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::AnalysisStatus</name>
        <message>
            <source>Starting…</source>
            <translation>Wird gestartet …</translation>
        </message>
        <message>
            <source>estimating time left…</source>
            <translation>Restzeit wird geschätzt …</translation>
        </message>
        <message numerus="yes">
            <source>about %n s left</source>
            <translation>
                <numerusform>noch etwa %n s</numerusform>
                <numerusform>noch etwa %n s</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>about %n min left</source>
            <translation>
                <numerusform>noch etwa %n min</numerusform>
                <numerusform>noch etwa %n min</numerusform>
            </translation>
        </message>
        <message>
            <source>about %1 h %2 min left</source>
            <translation>noch etwa %1 h %2 min</translation>
        </message>
        <message>
            <source>Page %1 of %2 · %3 · %4</source>
            <translation>Seite %1 von %2 · %3 · %4</translation>
        </message>
        <message numerus="yes">
            <source>%n failed</source>
            <translation>
                <numerusform>%n fehlgeschlagen</numerusform>
                <numerusform>%n fehlgeschlagen</numerusform>
            </translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <source>Stop the analysis; pages already finished are kept</source>
            <translation>Analyse anhalten; bereits fertige Seiten bleiben erhalten</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CategoryLegend</name>
        <message>
            <source>%1 (%2)</source>
            <translation>%1 (%2)</translation>
        </message>
        <message>
            <source>Show or hide the %1 boxes on the page</source>
            <translation>Die Rahmen vom Typ „%1“ auf der Seite ein- oder ausblenden</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CellTextPane</name>
        <message>
            <source>No document</source>
            <translation>Kein Dokument</translation>
        </message>
        <message>
            <source>Page %1 has not been analysed.</source>
            <translation>Seite %1 wurde noch nicht analysiert.</translation>
        </message>
        <message>
            <source>Page %1: analysis failed: %2</source>
            <translation>Seite %1: Analyse fehlgeschlagen: %2</translation>
        </message>
        <message numerus="yes">
            <source>Page %1: %n layout box(es)</source>
            <translation>
                <numerusform>Seite %1: %n Layout-Rahmen</numerusform>
                <numerusform>Seite %1: %n Layout-Rahmen</numerusform>
            </translation>
        </message>
        <message>
            <source>No text was read in this picture.</source>
            <translation>In diesem Bild wurde kein Text gelesen.</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CropInspector</name>
        <message>
            <source>OCR failed: %1</source>
            <translation>Texterkennung fehlgeschlagen: %1</translation>
        </message>
        <message>
            <source>(no text)</source>
            <translation>(kein Text)</translation>
        </message>
        <message>
            <source>Page %1 · picture %2</source>
            <translation>Seite %1 · Bild %2</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::FindBar</name>
        <message>
            <source>No matches</source>
            <translation>Keine Treffer</translation>
        </message>
        <message numerus="yes">
            <source>%n match(es)</source>
            <translation>
                <numerusform>%n Treffer</numerusform>
                <numerusform>%n Treffer</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 of %2 (page %3)</source>
            <translation>%1 von %2 (Seite %3)</translation>
        </message>
        <message>
            <source>Find in the extracted text</source>
            <translation>Im erkannten Text suchen</translation>
        </message>
        <message>
            <source>Previous match (Shift+Enter)</source>
            <translation>Vorheriger Treffer (Umschalt+Eingabe)</translation>
        </message>
        <message>
            <source>Next match (Enter)</source>
            <translation>Nächster Treffer (Eingabe)</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>Schließen (Esc)</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::LayoutOverlay</name>
        <message>
            <source>Analysis failed on this page: %1</source>
            <translation>Analyse dieser Seite fehlgeschlagen: %1</translation>
        </message>
        <message>
            <source>No document is open.</source>
            <translation>Es ist kein Dokument geöffnet.</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::SummaryPane</name>
        <message>
            <source>No document</source>
            <translation>Kein Dokument</translation>
        </message>
        <message>
            <source>Page %1 has not been analysed.</source>
            <translation>Seite %1 wurde noch nicht analysiert.</translation>
        </message>
        <message>
            <source>Analysis failed on page %1: %2</source>
            <translation>Analyse von Seite %1 fehlgeschlagen: %2</translation>
        </message>
        <message>
            <source>The model wrote no summary for page %1.</source>
            <translation>Das Modell hat für Seite %1 keine Zusammenfassung geschrieben.</translation>
        </message>
        <message>
            <source>No summary was written for this page: page summaries were switched off (Preferences → Page summaries) or no Gemma model was available.</source>
            <translation>Für diese Seite wurde keine Zusammenfassung geschrieben: Seitenzusammenfassungen waren ausgeschaltet (Einstellungen → Seitenzusammenfassungen) oder es stand kein Gemma-Modell zur Verfügung.</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::ModelSetupDialog</name>
        <message>
            <source>Not set.</source>
            <translation>Nicht festgelegt.</translation>
        </message>
        <message>
            <source>%1 holds a model of type “%2”, but this needs “%3”.</source>
            <translation>%1 enthält ein Modell vom Typ „%2“, benötigt wird aber „%3“.</translation>
        </message>
        <message>
            <source>Found: %1</source>
            <translation>Gefunden: %1</translation>
        </message>
        <message>
            <source>Found: %1 (revision %2)</source>
            <translation>Gefunden: %1 (Revision %2)</translation>
        </message>
        <message>
            <source>Set Up Models</source>
            <translation>Modelle einrichten</translation>
        </message>
        <message>
            <source>LayoutLens needs two models on this computer: dots.ocr finds the layout of each page, and Gemma 3n reads the text in pictures and writes the page summaries. For each one, choose the folder that holds it, find it in the Hugging Face cache, or download it. Nothing is downloaded unless you press Download.</source>
            <translation>LayoutLens benötigt zwei Modelle auf diesem Computer: dots.ocr erkennt das Layout jeder Seite, Gemma 3n liest den Text in Bildern und schreibt die Seitenzusammenfassungen. Wählen Sie für jedes den Ordner, der es enthält, suchen Sie es im Hugging-Face-Cache oder laden Sie es herunter. Es wird nichts heruntergeladen, solange Sie nicht auf „Herunterladen“ klicken.</translation>
        </message>
        <message>
            <source>Layout model (dots.ocr)</source>
            <translation>Layout-Modell (dots.ocr)</translation>
        </message>
        <message>
            <source>rednote-hilab/dots.ocr, about 6 GB.</source>
            <translation>rednote-hilab/dots.ocr, etwa 6 GB.</translation>
        </message>
        <message>
            <source>Text model (Gemma 3n)</source>
            <translation>Textmodell (Gemma 3n)</translation>
        </message>
        <message>
            <source>E4B is more accurate, E2B smaller and faster. Gemma is gated: accept its licence on its Hugging Face page with your account, then paste an access token below.</source>
            <translation>E4B ist genauer, E2B kleiner und schneller. Gemma ist zugangsbeschränkt: Akzeptieren Sie die Lizenz auf der Hugging-Face-Seite mit Ihrem Konto und fügen Sie dann unten ein Zugriffstoken ein.</translation>
        </message>
        <message>
            <source>Hugging Face access token:</source>
            <translation>Hugging-Face-Zugriffstoken:</translation>
        </message>
        <message>
            <source>hf_… (only for gated models; HF_TOKEN is used when empty)</source>
            <translation>hf_… (nur für zugangsbeschränkte Modelle; leer: HF_TOKEN wird verwendet)</translation>
        </message>
        <message>
            <source>Downloads go to the Hugging Face cache: %1</source>
            <translation>Downloads werden im Hugging-Face-Cache gespeichert: %1</translation>
        </message>
        <message>
            <source>HF_HUB_OFFLINE is set, so downloads are switched off. Choose a folder or find the models in the cache.</source>
            <translation>HF_HUB_OFFLINE ist gesetzt, daher sind Downloads abgeschaltet. Wählen Sie einen Ordner oder suchen Sie die Modelle im Cache.</translation>
        </message>
        <message>
            <source>Use These Models</source>
            <translation>Diese Modelle verwenden</translation>
        </message>
        <message>
            <source>Folder, Hugging Face cache folder or repo id</source>
            <translation>Ordner, Hugging-Face-Cache-Ordner oder Repo-ID</translation>
        </message>
        <message>
            <source>Choose Folder…</source>
            <translation>Ordner wählen…</translation>
        </message>
        <message>
            <source>Find in Cache</source>
            <translation>Im Cache suchen</translation>
        </message>
        <message>
            <source>Download</source>
            <translation>Herunterladen</translation>
        </message>
        <message>
            <source>Pause</source>
            <translation>Anhalten</translation>
        </message>
        <message>
            <source>Stop</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <source>Resume</source>
            <translation>Fortsetzen</translation>
        </message>
        <message>
            <source>Choose the folder that holds config.json and the weights</source>
            <translation>Ordner mit config.json und den Gewichten wählen</translation>
        </message>
        <message>
            <source>No %1 model in the Hugging Face cache (searched %2). Download it, or choose its folder.</source>
            <translation>Kein %1-Modell im Hugging-Face-Cache (durchsucht: %2). Laden Sie es herunter oder wählen Sie seinen Ordner.</translation>
        </message>
        <message>
            <source>nothing: HF_HUB_CACHE, HF_HOME and HOME are unset</source>
            <translation>nichts: HF_HUB_CACHE, HF_HOME und HOME sind nicht gesetzt</translation>
        </message>
        <message>
            <source>%1 of %2</source>
            <translation>%1 von %2</translation>
        </message>
        <message>
            <source>%1 of %2 · %3</source>
            <translation>%1 von %2 · %3</translation>
        </message>
        <message>
            <source>Download stopped. What was downloaded is kept; Download continues from there.</source>
            <translation>Download abgebrochen. Das bereits Heruntergeladene bleibt erhalten; „Herunterladen“ setzt dort fort.</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::AnalysisEngineFactory</name>
        <message>
            <source>no layout model is set. Choose the dots.ocr model folder (or a Hugging Face repo id) in Preferences &gt; Models &gt; Layout model (dots.ocr).</source>
            <translation>es ist kein Layout-Modell eingestellt. Wählen Sie den dots.ocr-Modellordner (oder eine Hugging-Face-Repo-ID) unter Einstellungen &gt; Modelle &gt; Layoutmodell (dots.ocr).</translation>
        </message>
    </context>
</TS>
