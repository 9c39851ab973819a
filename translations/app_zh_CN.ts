<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>PasswordPrompt</name>
        <message>
            <source>The password was wrong. Enter the password for %1 again:</source>
            <translation>密码错误。请重新输入 %1 的密码：</translation>
        </message>
        <message>
            <source>%1 is protected. Enter its password:</source>
            <translation>%1 受密码保护。请输入密码：</translation>
        </message>
        <message>
            <source>Password Required</source>
            <translation>需要密码</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::MainWindow</name>
        <message>
            <source>Page %1 could not be rendered: %2</source>
            <translation>无法渲染第 %1 页：%2</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>文件(&amp;F)</translation>
        </message>
        <message>
            <source>Open &amp;Recent</source>
            <translation>最近打开(&amp;R)</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <source>&amp;Go</source>
            <translation>转到(&amp;G)</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <source>Main Toolbar</source>
            <translation>主工具栏</translation>
        </message>
        <message>
            <source>Pages</source>
            <translation>页面</translation>
        </message>
        <message>
            <source>&amp;Open…</source>
            <translation>打开(&amp;O)…</translation>
        </message>
        <message>
            <source>Open a PDF (%1)</source>
            <translation>打开 PDF（%1）</translation>
        </message>
        <message>
            <source>Open &amp;Sample Drawing</source>
            <translation>打开示例图纸(&amp;S)</translation>
        </message>
        <message>
            <source>&amp;Close</source>
            <translation>关闭(&amp;C)</translation>
        </message>
        <message>
            <source>&amp;Preferences…</source>
            <translation>首选项(&amp;P)…</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <source>&amp;Clear Recent Files</source>
            <translation>清除最近文件(&amp;C)</translation>
        </message>
        <message>
            <source>Zoom &amp;In</source>
            <translation>放大(&amp;I)</translation>
        </message>
        <message>
            <source>Zoom &amp;Out</source>
            <translation>缩小(&amp;O)</translation>
        </message>
        <message>
            <source>Fit &amp;Page</source>
            <translation>适合页面(&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Actual Size</source>
            <translation>实际大小(&amp;A)</translation>
        </message>
        <message>
            <source>Fit &amp;Width</source>
            <translation>适合宽度(&amp;W)</translation>
        </message>
        <message>
            <source>&amp;First Page</source>
            <translation>第一页(&amp;F)</translation>
        </message>
        <message>
            <source>&amp;Previous Page</source>
            <translation>上一页(&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Next Page</source>
            <translation>下一页(&amp;N)</translation>
        </message>
        <message>
            <source>&amp;Last Page</source>
            <translation>最后一页(&amp;L)</translation>
        </message>
        <message>
            <source>&amp;About LayoutLens</source>
            <translation>关于 LayoutLens(&amp;A)</translation>
        </message>
        <message>
            <source>Page &amp;Thumbnails</source>
            <translation>页面缩略图(&amp;T)</translation>
        </message>
        <message>
            <source>No document</source>
            <translation>无文档</translation>
        </message>
        <message>
            <source>Page %1 / %2</source>
            <translation>第 %1 / %2 页</translation>
        </message>
        <message>
            <source>Zoom %1 %</source>
            <translation>缩放 %1%</translation>
        </message>
        <message>
            <source>Render %1 dpi</source>
            <translation>渲染 %1 dpi</translation>
        </message>
        <message>
            <source>Rendering…</source>
            <translation>正在渲染…</translation>
        </message>
        <message>
            <source>%1 — LayoutLens</source>
            <translation>%1 — LayoutLens</translation>
        </message>
        <message>
            <source>%1 (%2) — LayoutLens</source>
            <translation>%1（%2）— LayoutLens</translation>
        </message>
        <message>
            <source>%1 does not exist. Check the path, or choose the file again with File &gt; Open.</source>
            <translation>%1 不存在。请检查路径，或通过“文件 &gt; 打开”重新选择该文件。</translation>
        </message>
        <message>
            <source>%1 cannot be read. Check that you have permission to read it.</source>
            <translation>无法读取 %1。请检查您是否有读取该文件的权限。</translation>
        </message>
        <message>
            <source>%1 is not a PDF file. LayoutLens opens PDF documents only.</source>
            <translation>%1 不是 PDF 文件。LayoutLens 只能打开 PDF 文档。</translation>
        </message>
        <message>
            <source>%1 is damaged and cannot be opened. Ask for a new copy, or re-save it with another PDF tool.</source>
            <translation>%1 已损坏，无法打开。请索取新的副本，或用其他 PDF 工具重新保存。</translation>
        </message>
        <message>
            <source>%1 is password-protected and was not opened.</source>
            <translation>%1 受密码保护，未打开。</translation>
        </message>
        <message>
            <source>%1 has no pages to show.</source>
            <translation>%1 没有可显示的页面。</translation>
        </message>
        <message>
            <source>%1 is too large to open: %2</source>
            <translation>%1 太大，无法打开：%2</translation>
        </message>
        <message>
            <source>%1 cannot be opened: %2</source>
            <translation>无法打开 %1：%2</translation>
        </message>
        <message>
            <source>Open PDF</source>
            <translation>打开 PDF</translation>
        </message>
        <message>
            <source>PDF documents (*.pdf);;All files (*)</source>
            <translation>PDF 文档 (*.pdf);;所有文件 (*)</translation>
        </message>
        <message>
            <source>The sample drawing was not found next to the program. Build the sample_drawing target, or reinstall LayoutLens.</source>
            <translation>在程序旁边找不到示例图纸。请构建 sample_drawing 目标，或重新安装 LayoutLens。</translation>
        </message>
        <message>
            <source>Removed from the recent files because they no longer exist: %1</source>
            <translation>以下文件已不存在，已从最近文件中移除：%1</translation>
        </message>
        <message>
            <source>No recent files</source>
            <translation>没有最近文件</translation>
        </message>
        <message>
            <source>The new language is used from the next start.</source>
            <translation>新语言将在下次启动时生效。</translation>
        </message>
        <message>
            <source>About LayoutLens</source>
            <translation>关于 LayoutLens</translation>
        </message>
        <message>
            <source>&lt;h3&gt;LayoutLens %1&lt;/h3&gt;&lt;p&gt;Review technical drawings and engineering PDFs with layout and OCR models, on your own machine.&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</source>
            <translation>&lt;h3&gt;LayoutLens %1&lt;/h3&gt;&lt;p&gt;在您自己的计算机上，用版面分析和 OCR 模型审阅技术图纸和工程 PDF。&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</translation>
        </message>
        <message numerus="yes">
            <source>%n more dropped file(s) not opened: one document is shown at a time.</source>
            <translation>
                <numerusform>另有 %n 个拖入的文件未打开：一次只显示一个文档。</numerusform>
            </translation>
        </message>
        <message>
            <source>An analysis is running on this document. Cancel it (Analysis &gt; Cancel) before opening another document.</source>
            <translation>此文档正在分析中。打开其他文档前请先取消分析（分析 &gt; 取消）。</translation>
        </message>
        <message>
            <source>Page %1 failed: %2</source>
            <translation>第 %1 页失败：%2</translation>
        </message>
        <message>
            <source>&amp;Edit</source>
            <translation>编辑(&amp;E)</translation>
        </message>
        <message>
            <source>&amp;Analysis</source>
            <translation>分析(&amp;A)</translation>
        </message>
        <message>
            <source>Text</source>
            <translation>文本</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>摘要</translation>
        </message>
        <message>
            <source>Picture Crops</source>
            <translation>图片裁剪</translation>
        </message>
        <message>
            <source>Layout Legend</source>
            <translation>版面图例</translation>
        </message>
        <message>
            <source>Open Report or &amp;Job…</source>
            <translation>打开报告或任务(&amp;J)…</translation>
        </message>
        <message>
            <source>Review the results of an earlier analysis (a report JSON or a job's document.json)</source>
            <translation>查看之前分析的结果（报告 JSON 或任务的 document.json）</translation>
        </message>
        <message>
            <source>&amp;Export Report…</source>
            <translation>导出报告(&amp;E)…</translation>
        </message>
        <message>
            <source>Export Page &amp;Overlay as PNG…</source>
            <translation>将页面叠加层导出为 PNG(&amp;O)…</translation>
        </message>
        <message>
            <source>&amp;Find…</source>
            <translation>查找(&amp;F)…</translation>
        </message>
        <message>
            <source>Find &amp;Next</source>
            <translation>查找下一个(&amp;N)</translation>
        </message>
        <message>
            <source>Find &amp;Previous</source>
            <translation>查找上一个(&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Analyze Document</source>
            <translation>分析文档(&amp;A)</translation>
        </message>
        <message>
            <source>Find the layout, read the pictures and summarise every page (%1); pages done earlier are kept</source>
            <translation>识别版面、读取图片并总结每一页（%1）；之前完成的页面会保留</translation>
        </message>
        <message>
            <source>Analyze &amp;Pages…</source>
            <translation>分析页面(&amp;P)…</translation>
        </message>
        <message>
            <source>Analyze &amp;Current Page</source>
            <translation>分析当前页(&amp;C)</translation>
        </message>
        <message>
            <source>&amp;Cancel Analysis</source>
            <translation>取消分析(&amp;C)</translation>
        </message>
        <message>
            <source>Stop the analysis; pages already finished are kept</source>
            <translation>停止分析；已完成的页面会保留</translation>
        </message>
        <message>
            <source>&amp;Unload Models</source>
            <translation>卸载模型(&amp;U)</translation>
        </message>
        <message>
            <source>Layout &amp;Boxes</source>
            <translation>版面框(&amp;B)</translation>
        </message>
        <message>
            <source>Models not loaded (they load when you press Analyze)</source>
            <translation>模型未加载（按“分析”时加载）</translation>
        </message>
        <message>
            <source>Loading models…</source>
            <translation>正在加载模型…</translation>
        </message>
        <message>
            <source>Models ready: %1</source>
            <translation>模型就绪：%1</translation>
        </message>
        <message>
            <source>Models ready: %1 · %2 in use</source>
            <translation>模型就绪：%1 · 已用 %2</translation>
        </message>
        <message>
            <source>Models could not be loaded</source>
            <translation>无法加载模型</translation>
        </message>
        <message>
            <source>Results of an earlier analysis are shown: %1 of %2 pages done.</source>
            <translation>显示之前分析的结果：%2 页中已完成 %1 页。</translation>
        </message>
        <message numerus="yes">
            <source>%n page(s) failed.</source>
            <translation>
                <numerusform>%n 页失败。</numerusform>
            </translation>
        </message>
        <message>
            <source>Analyze continues with the remaining pages.</source>
            <translation>“分析”将继续处理其余页面。</translation>
        </message>
        <message>
            <source>Open a PDF first (File &gt; Open), then analyse it.</source>
            <translation>请先打开 PDF（文件 &gt; 打开），然后再分析。</translation>
        </message>
        <message>
            <source>An analysis is already running; wait for it or cancel it first.</source>
            <translation>已有分析正在运行；请等待其完成或先取消。</translation>
        </message>
        <message>
            <source>The page range &quot;%1&quot; cannot be used: %2. Write pages like 1-3,7 (this document has %3 pages).</source>
            <translation>无法使用页面范围“%1”：%2。请按 1-3,7 的格式填写页面（此文档共 %3 页）。</translation>
        </message>
        <message>
            <source>it is empty</source>
            <translation>范围为空</translation>
        </message>
        <message>
            <source>The settings cannot be used for an analysis: %1 Fix them in Preferences.</source>
            <translation>这些设置无法用于分析：%1 请在首选项中修正。</translation>
        </message>
        <message>
            <source>Analyze Pages</source>
            <translation>分析页面</translation>
        </message>
        <message>
            <source>Pages to analyse (1–%1), e.g. 1-3,7:</source>
            <translation>要分析的页面（1–%1），例如 1-3,7：</translation>
        </message>
        <message>
            <source>Cancelling: the pages in progress finish their current step; finished pages are kept.</source>
            <translation>正在取消：处理中的页面会完成当前步骤；已完成的页面会保留。</translation>
        </message>
        <message>
            <source>Check the dots.ocr model folder and the Gemma model in Preferences, then press Analyze again.</source>
            <translation>请在首选项中检查 dots.ocr 模型文件夹和 Gemma 模型，然后再次按“分析”。</translation>
        </message>
        <message numerus="yes">
            <source>Analysis cancelled. %n finished page(s) are kept; Analyze continues with the rest.</source>
            <translation>
                <numerusform>分析已取消。已保留 %n 个完成的页面；“分析”将继续处理其余页面。</numerusform>
            </translation>
        </message>
        <message>
            <source>Analysis finished: %1 page(s) done, %2 failed (the reason is shown on each failed page). Analyze again to retry them.</source>
            <translation>分析完成：%1 页完成，%2 页失败（每个失败页面上显示原因）。再次分析可重试这些页面。</translation>
        </message>
        <message>
            <source>Analysis finished: %1 of %2 pages have results. File &gt; Export Report saves them.</source>
            <translation>分析完成：%2 页中有 %1 页有结果。可通过“文件 &gt; 导出报告”保存。</translation>
        </message>
        <message>
            <source>An analysis is running. Cancel it before opening other results.</source>
            <translation>分析正在运行。打开其他结果前请先取消。</translation>
        </message>
        <message>
            <source>The PDF these results belong to is not at %1 any more. Open the PDF from its new place; its earlier results are found again.</source>
            <translation>这些结果所属的 PDF 已不在 %1。请从新位置打开该 PDF，之前的结果会被重新找到。</translation>
        </message>
        <message>
            <source>%1 has changed since it was analysed (its checksum differs), so the results are not shown. Analyze it again.</source>
            <translation>%1 在分析后已被修改（校验和不同），因此不显示结果。请重新分析。</translation>
        </message>
        <message>
            <source>Showing %1 analysed page(s) from %2.</source>
            <translation>显示来自 %2 的 %1 个已分析页面。</translation>
        </message>
        <message numerus="yes">
            <source>%n page(s) could not be read.</source>
            <translation>
                <numerusform>%n 页无法读取。</numerusform>
            </translation>
        </message>
        <message>
            <source>Open Report or Job</source>
            <translation>打开报告或任务</translation>
        </message>
        <message>
            <source>LayoutLens reports and jobs (*.json);;All files (*)</source>
            <translation>LayoutLens 报告和任务 (*.json);;所有文件 (*)</translation>
        </message>
        <message>
            <source>There are no results to export yet: analyse the document or open a report first.</source>
            <translation>尚无可导出的结果：请先分析文档或打开报告。</translation>
        </message>
        <message>
            <source>Export Report</source>
            <translation>导出报告</translation>
        </message>
        <message>
            <source>JSON report (*.json)</source>
            <translation>JSON 报告 (*.json)</translation>
        </message>
        <message>
            <source>Report saved to %1</source>
            <translation>报告已保存到 %1</translation>
        </message>
        <message>
            <source>The report was not saved: %1</source>
            <translation>报告未保存：%1</translation>
        </message>
        <message>
            <source>%1 cannot be written; check the folder and the free space.</source>
            <translation>无法写入 %1；请检查文件夹和可用空间。</translation>
        </message>
        <message>
            <source>Export Page Overlay</source>
            <translation>导出页面叠加层</translation>
        </message>
        <message>
            <source>PNG image (*.png)</source>
            <translation>PNG 图像 (*.png)</translation>
        </message>
        <message>
            <source>Page %1 with its layout boxes saved to %2</source>
            <translation>第 %1 页及其版面框已保存到 %2</translation>
        </message>
        <message>
            <source>The overlay was not saved: %1</source>
            <translation>叠加层未保存：%1</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::PreferencesDialog</name>
        <message>
            <source>Preferences</source>
            <translation>首选项</translation>
        </message>
        <message>
            <source>Rendering</source>
            <translation>渲染</translation>
        </message>
        <message>
            <source>Models</source>
            <translation>模型</translation>
        </message>
        <message>
            <source>Generation</source>
            <translation>生成</translation>
        </message>
        <message>
            <source>Crops</source>
            <translation>裁剪</translation>
        </message>
        <message>
            <source>Output</source>
            <translation>输出</translation>
        </message>
        <message>
            <source>Interface</source>
            <translation>界面</translation>
        </message>
        <message>
            <source>Defaults</source>
            <translation>默认值</translation>
        </message>
        <message>
            <source>Put every setting back to its default value</source>
            <translation>将所有设置恢复为默认值</translation>
        </message>
        <message>
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <source>Choose a Folder</source>
            <translation>选择文件夹</translation>
        </message>
        <message>
            <source>Choose a PDF</source>
            <translation>选择 PDF</translation>
        </message>
        <message>
            <source>PDF files (*.pdf)</source>
            <translation>PDF 文件 (*.pdf)</translation>
        </message>
        <message>
            <source> dpi</source>
            <translation> dpi</translation>
        </message>
        <message>
            <source>Resolution at which pages are rendered for the layout model</source>
            <translation>为版面模型渲染页面时使用的分辨率</translation>
        </message>
        <message>
            <source>Off</source>
            <translation>关闭</translation>
        </message>
        <message>
            <source> px</source>
            <translation> 像素</translation>
        </message>
        <message>
            <source>Lower the DPI of large sheets so their long edge stays within this many pixels (256 or more; Off = no limit)</source>
            <translation>降低大幅面图纸的 DPI，使其长边不超过此像素数（至少 256；关闭 = 不限制）</translation>
        </message>
        <message>
            <source>all pages, or e.g. 1-3,7</source>
            <translation>全部页面，或例如 1-3,7</translation>
        </message>
        <message>
            <source>Render resolution</source>
            <translation>渲染分辨率</translation>
        </message>
        <message>
            <source>Maximum long edge</source>
            <translation>最大长边</translation>
        </message>
        <message>
            <source>Page range</source>
            <translation>页面范围</translation>
        </message>
        <message>
            <source>folder, Hugging Face cache folder or repo id</source>
            <translation>文件夹、Hugging Face 缓存文件夹或仓库 ID</translation>
        </message>
        <message>
            <source>Layout model (dots.ocr)</source>
            <translation>版面模型（dots.ocr）</translation>
        </message>
        <message>
            <source>Text model (Gemma 3n)</source>
            <translation>文本模型（Gemma 3n）</translation>
        </message>
        <message>
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <source>Precision</source>
            <translation>精度</translation>
        </message>
        <message>
            <source>Attention</source>
            <translation>注意力实现</translation>
        </message>
        <message>
            <source>Extra token budget for the retry when the layout output cannot be parsed</source>
            <translation>版面输出无法解析而重试时额外增加的 token 预算</translation>
        </message>
        <message>
            <source>Write a summary of every page</source>
            <translation>为每一页撰写摘要</translation>
        </message>
        <message>
            <source>Batch size</source>
            <translation>批大小</translation>
        </message>
        <message>
            <source>Maximum new tokens</source>
            <translation>最大新 token 数</translation>
        </message>
        <message>
            <source>Extra tokens on retry</source>
            <translation>重试时额外 token 数</translation>
        </message>
        <message>
            <source>Page summaries</source>
            <translation>页面摘要</translation>
        </message>
        <message>
            <source>Padding around pictures</source>
            <translation>图片周围的边距</translation>
        </message>
        <message>
            <source>Upscale factor</source>
            <translation>放大倍数</translation>
        </message>
        <message>
            <source>Save a manifest of the picture regions</source>
            <translation>保存图片区域清单</translation>
        </message>
        <message>
            <source>Log every step</source>
            <translation>记录每个步骤</translation>
        </message>
        <message>
            <source>Input PDF</source>
            <translation>输入 PDF</translation>
        </message>
        <message>
            <source>Input image folder</source>
            <translation>输入图像文件夹</translation>
        </message>
        <message>
            <source>Crops folder</source>
            <translation>裁剪图文件夹</translation>
        </message>
        <message>
            <source>Reports folder</source>
            <translation>报告文件夹</translation>
        </message>
        <message>
            <source>Manifest</source>
            <translation>清单</translation>
        </message>
        <message>
            <source>Manifest file name</source>
            <translation>清单文件名</translation>
        </message>
        <message>
            <source>Verbose</source>
            <translation>详细输出</translation>
        </message>
        <message>
            <source>System</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <source>%1: %2</source>
            <translation>%1：%2</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::MessageBar</name>
        <message>
            <source>Dismiss</source>
            <translation>关闭提示</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PageRenderQueue</name>
        <message>
            <source>Page %1 has no area and cannot be shown.</source>
            <translation>第 %1 页没有面积，无法显示。</translation>
        </message>
        <message>
            <source>Page %1 could not be rendered.</source>
            <translation>无法渲染第 %1 页。</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PageThumbnailModel</name>
        <message>
            <source>Page %1 — %2 × %3 mm</source>
            <translation>第 %1 页 — %2 × %3 毫米</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::PdfPageView</name>
        <message>
            <source>Rendering page %1…</source>
            <translation>正在渲染第 %1 页…</translation>
        </message>
    </context>
    <context>
        <name>main</name>
        <message>
            <source>Review technical drawings and engineering PDFs.</source>
            <translation>审阅技术图纸和工程 PDF。</translation>
        </message>
        <message>
            <source>PDF files to open (the first one is shown).</source>
            <translation>要打开的 PDF 文件（显示第一个）。</translation>
        </message>
        <message numerus="yes">
            <source>%n more file(s) on the command line not opened: one document is shown at a time.</source>
            <translation>
                <numerusform>命令行中另有 %n 个文件未打开：一次只显示一个文档。</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>CategoryStyle</name>
        <message>
            <source>Caption</source>
            <translation>图注</translation>
        </message>
        <message>
            <source>Footnote</source>
            <translation>脚注</translation>
        </message>
        <message>
            <source>Formula</source>
            <translation>公式</translation>
        </message>
        <message>
            <source>List item</source>
            <translation>列表项</translation>
        </message>
        <message>
            <source>Page footer</source>
            <translation>页脚</translation>
        </message>
        <message>
            <source>Page header</source>
            <translation>页眉</translation>
        </message>
        <message>
            <source>Picture</source>
            <translation>图片</translation>
        </message>
        <message>
            <source>Section header</source>
            <translation>章节标题</translation>
        </message>
        <message>
            <source>Table</source>
            <translation>表格</translation>
        </message>
        <message>
            <source>Text</source>
            <translation>文本</translation>
        </message>
        <message>
            <source>Title</source>
            <translation>标题</translation>
        </message>
    </context>
    <context>
        <name>ReviewResults</name>
        <message>
            <source>%1 cannot be read: %2</source>
            <translation>无法读取 %1：%2</translation>
        </message>
        <message>
            <source>%1 is not a LayoutLens report or job file (it is not a JSON object: %2).</source>
            <translation>%1 不是 LayoutLens 报告或任务文件（不是 JSON 对象：%2）。</translation>
        </message>
        <message>
            <source>%1 is not a LayoutLens report: it lacks schema_version, document or pages.</source>
            <translation>%1 不是 LayoutLens 报告：缺少 schema_version、document 或 pages。</translation>
        </message>
        <message>
            <source>%1 uses report schema %2, newer than this LayoutLens reads (%3). Update LayoutLens.</source>
            <translation>%1 使用报告架构 %2，比此版本 LayoutLens 能读取的（%3）更新。请更新 LayoutLens。</translation>
        </message>
        <message>
            <source>page entry %1: %2</source>
            <translation>页面条目 %1：%2</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::AnalysisController</name>
        <message>
            <source>An analysis is already running; wait for it or cancel it first.</source>
            <translation>已有分析正在运行；请等待其完成或先取消。</translation>
        </message>
        <message>
            <source>No analysis engine is configured.</source>
            <translation>未配置分析引擎。</translation>
        </message>
        <message>
            <source>the engine reported no reason</source>
            <translation>引擎未给出原因</translation>
        </message>
        <message>
            <source>The models could not be loaded: %1</source>
            <translation>无法加载模型：%1</translation>
        </message>
        <message>
            <source>Page range: %1</source>
            <translation>页面范围：%1</translation>
        </message>
        <message>
            <source>The analysis stopped with an internal error: %1</source>
            <translation>分析因内部错误而停止：%1</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::AnalysisStatus</name>
        <message>
            <source>Starting…</source>
            <translation>正在启动…</translation>
        </message>
        <message>
            <source>estimating time left…</source>
            <translation>正在估算剩余时间…</translation>
        </message>
        <message numerus="yes">
            <source>about %n s left</source>
            <translation>
                <numerusform>约剩 %n 秒</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>about %n min left</source>
            <translation>
                <numerusform>约剩 %n 分钟</numerusform>
            </translation>
        </message>
        <message>
            <source>about %1 h %2 min left</source>
            <translation>约剩 %1 小时 %2 分钟</translation>
        </message>
        <message>
            <source>Page %1 of %2 · %3 · %4</source>
            <translation>第 %1 页，共 %2 页 · %3 · %4</translation>
        </message>
        <message numerus="yes">
            <source>%n failed</source>
            <translation>
                <numerusform>%n 页失败</numerusform>
            </translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Stop the analysis; pages already finished are kept</source>
            <translation>停止分析；已完成的页面会保留</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CategoryLegend</name>
        <message>
            <source>%1 (%2)</source>
            <translation>%1（%2）</translation>
        </message>
        <message>
            <source>Show or hide the %1 boxes on the page</source>
            <translation>在页面上显示或隐藏“%1”框</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CellTextPane</name>
        <message>
            <source>No document</source>
            <translation>无文档</translation>
        </message>
        <message>
            <source>Page %1 has not been analysed.</source>
            <translation>第 %1 页尚未分析。</translation>
        </message>
        <message>
            <source>Page %1: analysis failed: %2</source>
            <translation>第 %1 页：分析失败：%2</translation>
        </message>
        <message numerus="yes">
            <source>Page %1: %n layout box(es)</source>
            <translation>
                <numerusform>第 %1 页：%n 个版面框</numerusform>
            </translation>
        </message>
        <message>
            <source>No text was read in this picture.</source>
            <translation>此图片中未读取到文本。</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::CropInspector</name>
        <message>
            <source>OCR failed: %1</source>
            <translation>OCR 失败：%1</translation>
        </message>
        <message>
            <source>(no text)</source>
            <translation>（无文本）</translation>
        </message>
        <message>
            <source>Page %1 · picture %2</source>
            <translation>第 %1 页 · 图片 %2</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::FindBar</name>
        <message>
            <source>No matches</source>
            <translation>无匹配</translation>
        </message>
        <message numerus="yes">
            <source>%n match(es)</source>
            <translation>
                <numerusform>%n 个匹配</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 of %2 (page %3)</source>
            <translation>第 %1 个，共 %2 个（第 %3 页）</translation>
        </message>
        <message>
            <source>Find in the extracted text</source>
            <translation>在提取的文本中查找</translation>
        </message>
        <message>
            <source>Previous match (Shift+Enter)</source>
            <translation>上一个匹配（Shift+Enter）</translation>
        </message>
        <message>
            <source>Next match (Enter)</source>
            <translation>下一个匹配（Enter）</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>关闭（Esc）</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::LayoutOverlay</name>
        <message>
            <source>Analysis failed on this page: %1</source>
            <translation>此页分析失败：%1</translation>
        </message>
        <message>
            <source>No document is open.</source>
            <translation>未打开文档。</translation>
        </message>
    </context>
    <context>
        <name>ll::widgets::SummaryPane</name>
        <message>
            <source>No document</source>
            <translation>无文档</translation>
        </message>
        <message>
            <source>Page %1 has not been analysed.</source>
            <translation>第 %1 页尚未分析。</translation>
        </message>
        <message>
            <source>Analysis failed on page %1: %2</source>
            <translation>第 %1 页分析失败：%2</translation>
        </message>
        <message>
            <source>The model wrote no summary for page %1.</source>
            <translation>模型未为第 %1 页撰写摘要。</translation>
        </message>
        <message>
            <source>No summary was written for this page: page summaries were switched off (Preferences → Page summaries) or no Gemma model was available.</source>
            <translation>此页未生成摘要：页面摘要已关闭（首选项 → 页面摘要），或没有可用的 Gemma 模型。</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::ModelSetupDialog</name>
        <message>
            <source>Not set.</source>
            <translation>未设置。</translation>
        </message>
        <message>
            <source>%1 holds a model of type “%2”, but this needs “%3”.</source>
            <translation>%1 中的模型类型为“%2”，但此处需要“%3”。</translation>
        </message>
        <message>
            <source>Found: %1</source>
            <translation>已找到：%1</translation>
        </message>
        <message>
            <source>Found: %1 (revision %2)</source>
            <translation>已找到：%1（修订版 %2）</translation>
        </message>
        <message>
            <source>Set Up Models</source>
            <translation>设置模型</translation>
        </message>
        <message>
            <source>LayoutLens needs two models on this computer: dots.ocr finds the layout of each page, and Gemma 3n reads the text in pictures and writes the page summaries. For each one, choose the folder that holds it, find it in the Hugging Face cache, or download it. Nothing is downloaded unless you press Download.</source>
            <translation>LayoutLens 需要在本机上有两个模型：dots.ocr 识别每页的版面，Gemma 3n 读取图片中的文字并撰写页面摘要。请为每个模型选择其所在文件夹、在 Hugging Face 缓存中查找，或下载它。除非您点击“下载”，否则不会下载任何内容。</translation>
        </message>
        <message>
            <source>Layout model (dots.ocr)</source>
            <translation>版面模型（dots.ocr）</translation>
        </message>
        <message>
            <source>rednote-hilab/dots.ocr, about 6 GB.</source>
            <translation>rednote-hilab/dots.ocr，约 6 GB。</translation>
        </message>
        <message>
            <source>Text model (Gemma 3n)</source>
            <translation>文本模型（Gemma 3n）</translation>
        </message>
        <message>
            <source>E4B is more accurate, E2B smaller and faster. Gemma is gated: accept its licence on its Hugging Face page with your account, then paste an access token below.</source>
            <translation>E4B 更准确，E2B 更小更快。Gemma 需要授权：请用您的账号在其 Hugging Face 页面上接受许可，然后在下方粘贴访问令牌。</translation>
        </message>
        <message>
            <source>Hugging Face access token:</source>
            <translation>Hugging Face 访问令牌：</translation>
        </message>
        <message>
            <source>hf_… (only for gated models; HF_TOKEN is used when empty)</source>
            <translation>hf_…（仅用于需授权的模型；留空时使用 HF_TOKEN）</translation>
        </message>
        <message>
            <source>Downloads go to the Hugging Face cache: %1</source>
            <translation>下载内容保存到 Hugging Face 缓存：%1</translation>
        </message>
        <message>
            <source>HF_HUB_OFFLINE is set, so downloads are switched off. Choose a folder or find the models in the cache.</source>
            <translation>已设置 HF_HUB_OFFLINE，下载已关闭。请选择文件夹或在缓存中查找模型。</translation>
        </message>
        <message>
            <source>Use These Models</source>
            <translation>使用这些模型</translation>
        </message>
        <message>
            <source>Folder, Hugging Face cache folder or repo id</source>
            <translation>文件夹、Hugging Face 缓存文件夹或仓库 ID</translation>
        </message>
        <message>
            <source>Choose Folder…</source>
            <translation>选择文件夹…</translation>
        </message>
        <message>
            <source>Find in Cache</source>
            <translation>在缓存中查找</translation>
        </message>
        <message>
            <source>Download</source>
            <translation>下载</translation>
        </message>
        <message>
            <source>Pause</source>
            <translation>暂停</translation>
        </message>
        <message>
            <source>Stop</source>
            <translation>停止</translation>
        </message>
        <message>
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <source>Choose the folder that holds config.json and the weights</source>
            <translation>选择包含 config.json 和权重的文件夹</translation>
        </message>
        <message>
            <source>No %1 model in the Hugging Face cache (searched %2). Download it, or choose its folder.</source>
            <translation>Hugging Face 缓存中没有 %1 模型（已搜索 %2）。请下载它，或选择其文件夹。</translation>
        </message>
        <message>
            <source>nothing: HF_HUB_CACHE, HF_HOME and HOME are unset</source>
            <translation>无：HF_HUB_CACHE、HF_HOME 和 HOME 均未设置</translation>
        </message>
        <message>
            <source>%1 of %2</source>
            <translation>%1 / %2</translation>
        </message>
        <message>
            <source>%1 of %2 · %3</source>
            <translation>%1 / %2 · %3</translation>
        </message>
        <message>
            <source>Download stopped. What was downloaded is kept; Download continues from there.</source>
            <translation>下载已停止。已下载的部分会保留；再次点击“下载”将从中断处继续。</translation>
        </message>
    </context>
    <context>
        <name>ll::ui::AnalysisEngineFactory</name>
        <message>
            <source>no layout model is set. Choose the dots.ocr model folder (or a Hugging Face repo id) in Preferences &gt; Models &gt; Layout model (dots.ocr).</source>
            <translation>未设置版面模型。请在“首选项 &gt; 模型 &gt; 版面模型（dots.ocr）”中选择 dots.ocr 模型文件夹（或 Hugging Face 仓库 ID）。</translation>
        </message>
    </context>
</TS>
