"""A teacher's class: classes (join codes, teacher keys, the board's records on disk), members
(nicknames, seats), challenges and the publisher that puts a student's run on the board and
measures it when it ends; the class's own handwriting (drawings, as data: drawings_data, in the
report: drawings_report). The top of the engine: uses core.teaching, core.runs, core.science,
core.training and the layers below; its users call the publisher directly."""
