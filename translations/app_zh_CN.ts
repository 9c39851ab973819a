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
</TS>
