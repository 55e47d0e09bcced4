"""What each shared-corpus file says, established by reading the files by eye (not by running
the parser). Paths are relative to ``../shared/corpus/spec_engine``.

A task is ``(id, title, speclet, steps)``; ``steps`` is a list of ``(id, critical, backups)``
where ``critical`` is what the markdown says (or, when it is silent, the parameters TOML), and
``backups`` the number of backups; ``None`` for ``steps`` means "only the count is checked" and
the count is then given in ``STEP_COUNTS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

T, F = True, False

StepExp = tuple[str, bool | None, int]
TaskExp = tuple[str, str, str | None, list[StepExp] | None]


@dataclass(frozen=True)
class SpecExp:
    goal_start: str | None
    tasks: list[TaskExp]
    speclets: list[tuple[str, str, list[str]]] = field(default_factory=list)
    step_counts: dict[str, int] = field(default_factory=dict)


def _steps(task: str, flags: list[bool | None], backups: list[int]) -> list[StepExp]:
    return [(f"{task}.{i}", c, b) for i, (c, b) in enumerate(zip(flags, backups, strict=True), 1)]


def _bracket_steps(flags: list[bool | None], backups: list[int]) -> list[StepExp]:
    return [(str(i), c, b) for i, (c, b) in enumerate(zip(flags, backups, strict=True), 1)]


TESTING = "SPECs/Testing"
DASHBOARD = "SPECs/GCATTAGC/spec_innovation_dashboard"
TOOLSPECS = "__SPEC_Engine/_TOOLSPECs"

SPECS: dict[str, SpecExp] = {
    f"{TESTING}/CGATTACG/spec_compliance_checker/spec_compliance_checker.md": SpecExp(
        "Build AI-powered system to validate medical device documentation against FDA",
        [
            ("1", "Regulation Database", None, _steps("1", [T, T, T], [0, 0, 0])),
            ("2", "Document Analysis", None, _steps("2", [T, T, T], [0, 0, 0])),
            ("3", "Compliance Report", None, _steps("3", [T, T, F], [0, 0, 0])),
        ],
    ),
    f"{TESTING}/TACGCGTA/spec_template_generator/spec_template_generator.md": SpecExp(
        "Build system to generate spec_[descriptor].md, parameters_[descriptor].toml",
        [
            ("1", "Goal Parser", None, _steps("1", [F, T, F], [0, 0, 0])),
            ("2", "Template Generator", None, _steps("2", [T, T, F], [0, 0, 0])),
            ("3", "Validation", None, _steps("3", [T, F], [0, 0])),
        ],
    ),
    f"{TESTING}/GCTATCGA/spec_encryption/spec_encryption.md": SpecExp(
        "Implement end-to-end encryption for counselor notes with secure key management",
        [
            ("1", "Implement Encryption Layer", None, _steps("1", [T, T, T], [1, 1, 1])),
            ("2", "Secure Key Management", None, _steps("2", [T, T, T], [1, 1, 1])),
            ("3", "Audit Trail System", None, _steps("3", [T, F], [1, 1])),
        ],
    ),
    f"{TESTING}/TGCAATGC/spec_charity_pos/spec_charity_pos.md": SpecExp(
        "Create a complete point of sale system for a charity shop that handles inventory",
        [
            ("1", "Database Design and Setup", None,
             _bracket_steps([T, T, F, T], [1, 1, 0, 0])),
            ("2", "Inventory Management System", None,
             _bracket_steps([T, F, F, T], [1, 1, 0, 1])),
            ("3", "Transaction Processing System", None,
             _bracket_steps([T, T, T, T, F, T], [0, 0, 2, 1, 1, 0])),
            ("4", "Reporting and Analytics", None,
             _bracket_steps([T, F, F, F], [0, 1, 0, 1])),
            ("5", "User Interface and Integration Testing", None,
             _bracket_steps([T, T, T, T, T, F], [2, 0, 0, 1, 0, 1])),
        ],
    ),
    "TGACGTCA/spec_podcast/spec_podcast.md": SpecExp(
        "Deploy a production-ready podcast website featuring latest episode display",
        [
            ("1", "Design and Setup Foundation", None, _bracket_steps([T, T, T, F], [1, 1, 2, 0])),
            ("2", "Implement Core Podcast Features", None,
             _bracket_steps([T, T, T, F], [1, 1, 1, 0])),
            ("3", "Build Email Subscription System", None,
             _bracket_steps([F, T, F, T], [0, 1, 1, 0])),
            ("4", "Develop Admin Panel", None, _bracket_steps([T, T, F, T], [1, 1, 1, 0])),
            ("5", "Deploy and Production Verification", None,
             _bracket_steps([T, T, T, F], [2, 0, 1, 0])),
        ],
    ),
    f"{DASHBOARD}/speclet_0_platform.md": SpecExp(
        "Create the foundational platform infrastructure for the Innovation Consultancy",
        [
            ("1", "Initialize Insforge Backend", "0", _steps("1", [T, T, T, T], [1, 1, 1, 1])),
            ("2", "Set Up React Frontend Application", "0",
             _steps("2", [T, T, F, T, T], [1, 1, 1, 1, 1])),
            ("3", "Implement Authentication Flow", "0",
             _steps("3", [T, T, T, T, T], [1, 1, 1, 1, 1])),
            ("4", "Build Project Management System", "0",
             _steps("4", [T, T, T, T], [0, 1, 1, 1])),
            ("5", "Create Base UI Components and Stage Navigation", "0",
             _steps("5", [F, T, T, F, T], [1, 1, 1, 1, 1])),
            ("6", "Deploy Platform and Verify Interface Contract", "0",
             _steps("6", [T, T, T, T, F], [1, 1, 2, 0, 1])),
        ],
        speclets=[("0", "Platform Infrastructure", [])],
    ),
    f"{DASHBOARD}/speclet_2_define.md": SpecExp(
        "Implement the Define stage module with problem framing tools",
        [
            ("1", "Build Define Data Collection Interface", "2",
             _steps("1", [None] * 4, [0] * 4)),
            ("2", "Implement AI Synthesis for Problem Framing", "2",
             _steps("2", [None] * 3, [0] * 3)),
            ("3", "Create Define Progress Dashboard", "2", _steps("3", [None] * 2, [0] * 2)),
        ],
        speclets=[("2", "Define Stage Module", ["0"])],
    ),
    f"{DASHBOARD}/speclet_3_ideate.md": SpecExp(
        "Implement the Ideate stage module with brainstorming tools",
        [
            ("1", "Build brainstorming interface (canvas, idea capture)", "3", []),
            ("2", "Implement AI synthesis for idea generation/clustering", "3", []),
            ("3", "Create idea evaluation tools (feasibility, impact scoring)", "3", []),
        ],
        speclets=[("3", "Ideate Stage Module", ["0"])],
    ),
    f"{TOOLSPECS}/Better_SPEC/spec_Better_SPEC.md": SpecExp(
        "Improve the SPEC_Engine framework by processing development analysis reports",
        [
            ("0", "Initialise and Determine Operational Mode", None,
             [(str(i), T, b) for i, b in enumerate([0, 1, 1, 0, 0])]),
            ("1", "Analyse Development Report (Mode A)", None, None),
            ("2", "Prioritise and Present Recommendations (Mode A)", None, None),
            ("3", "Document Report Processing (Mode A)", None, None),
            ("4", "Scan and Inventory Proposals (Mode B)", None, None),
            ("5", "Select and Process Single Proposal (Mode B)", None, None),
            ("6", "Check for More Proposals (Mode B)", None, None),
            ("7", "Process Single Improvement Request (Mode C)", None, None),
            ("8", "Document Request Processing (Mode C)", None, None),
            ("9", "Implement Approved Changes", None, None),
            ("10", "Finalise and Document", None, None),
        ],
        step_counts={"1": 5, "2": 4, "3": 2, "4": 5, "5": 7, "6": 3, "7": 8, "8": 2, "9": 7,
                     "10": 5},
    ),
    f"{TOOLSPECS}/Dev_Analysis/Dev_Analysis_SPEC.md": SpecExp(
        "Perform comprehensive analysis of a test SPEC's development lifecycle",
        [
            ("0", "Initialize Analysis and Gather Project Metadata", None, None),
            ("1", "Extract and Characterise Initial Goal Text", None, None),
            ("2", "Map Goal Text Propagation Throughout Project", None, None),
            ("3", "Evaluate Constitutional Compliance", None, None),
            ("4", "Analyse Execution Performance Metrics", None, None),
            ("5", "Correlate Agent Behaviour with Goal Characteristics", None, None),
            ("6", "Assess Per-Task and Per-Step Behaviour Quality", None, None),
            ("7", "Conduct Comprehensive Error Analysis and Pattern Detection", None, None),
            ("8", "Capture Human Codesigner Feedback", None, None),
            ("9", "Generate Comprehensive Analysis Report with Recommendations", None, None),
        ],
        step_counts={"0": 12, "1": 5, "2": 6, "3": 8, "4": 13, "5": 7, "6": 5, "7": 13,
                     "8": 9, "9": 17},
    ),
    f"{TOOLSPECS}/WTF/WTF_SPEC.md": SpecExp(
        "Reverse-engineer and document the purpose, behaviour, and dependencies",
        [
            ("1", "Initial Code Survey", None, _steps("1", [T, T, F], [1, 1, 1])),
            ("2", "Behaviour Analysis", None, _steps("2", [T, T, F], [1, 1, 1])),
            ("3", "Dependency Mapping", None, _steps("3", [T, T, T], [1, 1, 1])),
            ("4", "Documentation Generation", None, _steps("4", [T, T, F, F], [1, 1, 1, 1])),
        ],
    ),
    "__SPEC_Engine/_templates/Spec_template.md": SpecExp(
        # The Goal heading's placeholder comes first; the later "**Goal:**" example is not used.
        "[Insert single overarching goal here]",
        [
            # The example inside the ```markdown fence (Task [1]: Gather Requirements) and the
            # unclosed ````json fence at the end yield nothing.
            ("1", "Set up database schema", "platform_foundation", []),
            ("2", "Create API framework", "platform_foundation", []),
            ("3", "Configure authentication system", "platform_foundation", []),
            ("4", "Build discovery interface", "discovery_stage", []),
            ("5", "Implement journey mapping tools", "discovery_stage", []),
            ("1", "Research module functionality", None, _bracket_steps([T, T, F], [2, 0, 1])),
            ("2", "Create automated tests", None, _bracket_steps([T, T, F, T], [0, 1, 0, 1])),
            ("3", "Debug and verify module behaviour", None,
             _bracket_steps([T, T, T, T, F], [0, 1, 0, 1, 0])),
        ],
        speclets=[
            ("identifier", "Description", []),
            ("platform_foundation", "Core Infrastructure Setup", []),
            ("discovery_stage", "Discovery Phase Implementation", ["platform_foundation"]),
        ],
    ),
}

# Progress logs: {task id: (normalised status, raw status, step count)}.
ProgressExp = dict[str, tuple[str, str, int]]

PROGRESS: dict[str, tuple[bool, ProgressExp, ProgressExp]] = {
    # path: (is_spec_progress, tasks, speclets)
    "TGACGTCA/spec_podcast/progress_podcast.json": (
        True, {str(i): ("completed", "completed", 4) for i in range(1, 6)}, {},
    ),
    f"{TESTING}/TGCAATGC/spec_charity_pos/progress_charity_pos.json": (
        True, {str(i): ("completed", "completed", 0) for i in range(1, 6)}, {},
    ),
    f"{DASHBOARD}/progress_speclet_0_platform.json": (
        True,
        {
            **{str(i): ("completed", "completed", 0) for i in range(1, 6)},
            "6": ("completed", "ready_for_deployment", 0),
        },
        {},
    ),
    f"{DASHBOARD}/progress_speclet_2_define.json": (
        True,
        {"1": ("completed", "completed", 4), "2": ("completed", "completed", 3),
         "3": ("completed", "completed", 2)},
        {},
    ),
    # ids are written "task-3-1" … in SPECLet 3's own log: they are its tasks 1, 2, 3.
    f"{DASHBOARD}/progress_speclet_3_ideate.json": (
        True, {str(i): ("completed", "completed", 0) for i in range(1, 4)}, {},
    ),
    f"{DASHBOARD}/progress_innovation_dashboard_MASTER.json": (
        True,
        {},
        {
            "0": ("completed", "deployment_ready", 0),
            **{str(i): ("completed", "completed", 0) for i in range(1, 6)},
            "6": ("in_progress", "code_complete_pending_verification", 0),
        },
    ),
    # An application's event log (payments, receipts), not a SPEC log.
    "progress_transaction_v2.json": (False, {}, {}),
}

# Every file name in the corpus → (kind, descriptor), and for progress logs what they pair with.
CLASSIFY: dict[str, tuple[str, str | None]] = {
    "exe_speclet_0_platform.md": ("other", None),
    "parameters_speclet_0_platform.toml": ("parameters", "speclet_0_platform"),
    "progress_innovation_dashboard_MASTER.json": ("progress", "innovation_dashboard_MASTER"),
    "progress_speclet_0_platform.json": ("progress", "speclet_0_platform"),
    "progress_speclet_2_define.json": ("progress", "speclet_2_define"),
    "progress_speclet_3_ideate.json": ("progress", "speclet_3_ideate"),
    "speclet_0_platform.md": ("speclet", "0_platform"),
    "speclet_2_define.md": ("speclet", "2_define"),
    "speclet_3_ideate.md": ("speclet", "3_ideate"),
    "exe_compliance_checker.md": ("other", None),
    "parameters_compliance_checker.toml": ("parameters", "compliance_checker"),
    "spec_compliance_checker.md": ("spec", "compliance_checker"),
    "exe_encryption.md": ("other", None),
    "parameters_encryption.toml": ("parameters", "encryption"),
    "spec_encryption.md": ("spec", "encryption"),
    "exe_template_generator.md": ("other", None),
    "parameters_template_generator.toml": ("parameters", "template_generator"),
    "spec_template_generator.md": ("spec", "template_generator"),
    "exe_charity_pos.md": ("other", None),
    "parameters_charity_pos.toml": ("parameters", "charity_pos"),
    "progress_charity_pos.json": ("progress", "charity_pos"),
    "spec_charity_pos.md": ("spec", "charity_pos"),
    "exe_podcast.md": ("other", None),
    "parameters_podcast.toml": ("parameters", "podcast"),
    "progress_podcast.json": ("progress", "podcast"),
    "spec_podcast.md": ("spec", "podcast"),
    "parameters_Better_SPEC.toml": ("parameters", "Better_SPEC"),
    "spec_Better_SPEC.md": ("spec", "Better_SPEC"),
    "Dev_Analysis_SPEC.md": ("spec", "Dev_Analysis"),  # TOOLSPEC naming: <Name>_SPEC.md
    "WTF_SPEC.md": ("spec", "WTF"),
    "exe_WTF.md": ("other", None),
    "parameters_WTF.toml": ("parameters", "WTF"),
    "Spec_template.md": ("other", None),
    "exe_template.md": ("other", None),
    "parameters_template.toml": ("parameters", "template"),
    "progress_transaction_v2.json": ("progress", "transaction_v2"),
    "README.md": ("other", None),
    "_kanban.md": ("board", None),
    "example_kanban.md": ("other", None),
}

PAIRS: dict[str, str | None] = {
    f"{DASHBOARD}/progress_speclet_0_platform.json": "speclet_0_platform.md",
    f"{DASHBOARD}/progress_speclet_2_define.json": "speclet_2_define.md",
    f"{DASHBOARD}/progress_speclet_3_ideate.json": "speclet_3_ideate.md",
    f"{DASHBOARD}/progress_innovation_dashboard_MASTER.json": None,  # the SPECLets' master log
    f"{TESTING}/TGCAATGC/spec_charity_pos/progress_charity_pos.json": "spec_charity_pos.md",
    "TGACGTCA/spec_podcast/progress_podcast.json": "spec_podcast.md",
    "progress_transaction_v2.json": None,  # no spec_transaction_v2.md beside it
}
