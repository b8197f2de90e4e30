"""The interface language of the web pages: English or Chinese, chosen in the page header.

Templates write their fixed English text through ``_("...")``; in Chinese each is looked up in
:data:`ZH`, and text missing from it stays English. The choice is a cookie (``semwb_lang``, one
year), set by ``/lang/<code>``, which returns to the page it was chosen on. Messages of the
library (validation problems, refusals) and uploaded text are shown as written, as in reports;
each run's report has its own language (the run form and the run page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

COOKIE = "semwb_lang"
UI_LANGS = ("en", "zh")

router = APIRouter()

ZH: dict[str, str] = {
    # header and sign-in
    "workbench": "工作台", "Projects": "项目", "Sign out": "退出", "Sign in": "登录",
    "User name": "用户名", "Password": "密码",
    "Accounts are created by the administrator with": "账户由管理员创建，命令为",
    # projects
    "Project": "项目", "Owner": "所有者", "Created": "创建时间",
    "No projects yet. A project holds one questionnaire, its response files, models and runs.":
        "还没有项目。一个项目包含一份问卷及其数据文件、模型和运行结果。",
    "New project": "新项目", "Create project": "创建项目",
    "e.g. Alliance routines study 2026": "例如：联盟惯例研究 2026",
    # project page
    "1. Instrument": "1. 问卷", "2. Response files": "2. 数据文件", "3. Models": "3. 模型",
    "4. Runs": "4. 运行", "Members": "成员", "scale": "量表", "from": "来自",
    "constructs": "个构念", "items": "个题项", "Construct": "构念", "Item": "题项",
    "Text": "内容", "Reverse": "反向", "yes": "是",
    "No valid instrument yet. Upload the questionnaire as YAML: constructs, items with their "
    "text in English and/or Chinese, reverse-worded items, the scale (format in":
        "还没有有效的问卷。请以 YAML 上传问卷：构念、题项（中文和/或英文）、反向题、量表（格式见",
    "Uploads with problems": "有问题的上传", "Instrument file": "问卷文件",
    "Upload instrument": "上传问卷", "File": "文件", "Size": "大小", "Uploaded": "上传时间",
    "Check": "检查", "respondents": "名受访者", "Response file": "数据文件",
    "Sheet (Excel, optional)": "工作表（Excel，可选）", "Upload responses": "上传数据",
    "CSV, Excel .xlsx, SPSS .sav, Stata .dta, Qualtrics and Wenjuanxing exports. Each file is "
    "checked against the instrument; problems are listed with their row and column.":
        "支持 CSV、Excel .xlsx、SPSS .sav、Stata .dta 以及 Qualtrics 和问卷星导出文件。每个文件都按"
        "问卷检查，问题会列出行和列。",
    "Upload the instrument first: response files are checked against it.":
        "请先上传问卷：数据文件要按问卷检查。",
    "saved": "保存于", "New model": "新建模型", "valid": "有效", "has problems": "有问题",
    "Model": "模型", "Responses": "数据", "Bootstrap draws": "Bootstrap 抽样次数",
    "Interval": "区间", "Level": "置信水平", "Seed": "随机种子", "Estimator": "估计方法",
    "Ordered items (WLSMV: 'all' or item names separated by commas; empty: none)":
        "有序题项（WLSMV：填 all 或以逗号分隔的题项名；留空：无）",
    "Missing data": "缺失值处理",
    "as the model's spec (listwise if it has none)": "按模型设定（未设定则列删）",
    "listwise deletion": "列删",
    "Group column (optional: one multiple-group model, groups compared)":
        "分组列（可选：多组模型，比较各组）",
    "Report language": "报告语言",
    "Exclude careless respondents (optional; each one is listed in the report with its reasons)":
        "排除不认真作答者（可选；每人及其原因列于报告中）",
    "failed attention check": "未通过注意力检验",
    "long string of identical answers": "连续相同作答",
    "too fast (duration column)": "作答过快（时长列）",
    "multivariate outlier (Mahalanobis)": "多元异常值（马氏距离）", "Run": "运行",
    "0 draws gives Wald (delta-method) intervals only; reviewers in this field usually expect "
    "5000 draws.": "抽样 0 次只给出 Wald（delta 法）区间；本领域审稿人通常期望 5000 次抽样。",
    "Beside the fit": "拟合之外",
    "Beside the fit: multiple imputations (0: none)": "拟合之外：多重插补次数（0：不做）",
    "Out-of-sample prediction": "样本外预测", "Prediction folds": "预测折数",
    "Beside the fit: m imputations pooled by Rubin's rules and set beside FIML (20 or more for "
    "a paper); PLSpredict's Q² predict, RMSE and MAE against a linear benchmark.":
        "拟合之外：m 次插补按 Rubin 规则合并并与 FIML 对照（论文建议 20 次以上）；PLSpredict "
        "的 Q² predict、RMSE 和 MAE 与线性基准比较。",
    "To run, save a model and upload a valid response file.":
        "要运行，请保存一个模型并上传有效的数据文件。",
    "Draws": "抽样", "State": "状态", "Started": "开始时间", "Owner:": "所有者：",
    "Members:": "成员：", "No other members.": "没有其他成员。", "remove": "移除",
    "Add member (user name)": "添加成员（用户名）", "Add": "添加",
    # model editor
    "Edit model": "编辑模型", "Name": "名称", "lavaan syntax": "lavaan 语法",
    "Validate": "检查", "Save model": "保存模型", "Start from": "从已有设定开始",
    "No specs in the server's models folder.": "服务器的 models 文件夹中没有模型设定。",
    "Syntax": "语法", "measurement": "测量", "regression with label": "带标签的回归",
    "covariance": "协方差", "defined effect": "定义的效应",
    "Upload a response file to check the model against its columns too.":
        "上传数据文件后，也会按其列检查模型。",
    # run page
    "Data": "数据", "bootstrap draws": "次 bootstrap 抽样", "intervals": "区间",
    "no bootstrap": "无 bootstrap", "seed": "种子", "estimator": "估计方法",
    "ordered items": "有序题项",
    "imputations beside FIML": "次插补（与 FIML 对照）", "-fold prediction": " 折预测",
    "report in": "报告语言", "queued": "排队于", "finished": "完成于",
    "You can leave this page; the run continues on the server.":
        "可以离开本页，运行会在服务器上继续。",
    "Restart this run": "重新运行", "Download": "下载", "tables (Word)": "表格（Word）",
    "tables (Excel)": "表格（Excel）", "Share with a reviewer": "分享给审稿人",
    "A share link opens this report read-only, without an account, until you revoke it.":
        "分享链接无需账户即可只读打开本报告，直到您撤销它。",
    "revoked": "已撤销", "revoke": "撤销", "Create share link": "创建分享链接", "Report": "报告",
    # errors
    "Back to projects": "返回项目",
}


def ui_lang(request: Request) -> str:
    """The interface language the request's cookie chose (English by default)."""
    chosen = request.cookies.get(COOKIE, "en")
    return chosen if chosen in UI_LANGS else "en"


def translator(lang: str) -> Callable[[str], str]:
    """``_(text)`` for templates: ``text`` in ``lang`` (English text is the key)."""
    if lang == "zh":
        return lambda text: ZH.get(text, text)
    return lambda text: text


@router.get("/lang/{code}")
def choose_language(code: str, back: Annotated[str, Query(alias="next")] = "/") -> Response:
    """Set the interface language and go back to the page it was chosen on (a local path)."""
    if code not in UI_LANGS:
        raise HTTPException(404)
    local = (back.startswith("/") and not back.startswith(("//", "/\\"))
             and not urlsplit(back).netloc)
    response = RedirectResponse(back if local else "/", status_code=303)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response
