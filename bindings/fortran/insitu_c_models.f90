! iso_c_binding interfaces to the model, script, polling and administration part of the insitu C
! API (include/insitu/insitu.h). String lists are arrays of pointers plus an array of lengths.
module insitu_c_models
  use iso_c_binding
  implicit none
  public

  interface
    ! ---- models
    function c_set_model(client, name, name_len, model, model_len, backend, backend_len, device, &
        device_len, batch_size, min_batch_size, min_batch_timeout, tag, tag_len, inputs, &
        input_lens, n_inputs, outputs, output_lens, n_outputs) bind(c, name="set_model")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), model(*), backend(*), device(*), tag(*)
      integer(c_size_t), value :: name_len, model_len, backend_len, device_len, tag_len
      integer(c_int), value :: batch_size, min_batch_size, min_batch_timeout
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int) :: c_set_model
    end function
    function c_set_model_from_file(client, name, name_len, file, file_len, backend, backend_len, &
        device, device_len, batch_size, min_batch_size, min_batch_timeout, tag, tag_len, inputs, &
        input_lens, n_inputs, outputs, output_lens, n_outputs) bind(c, name="set_model_from_file")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), file(*), backend(*), device(*), tag(*)
      integer(c_size_t), value :: name_len, file_len, backend_len, device_len, tag_len
      integer(c_int), value :: batch_size, min_batch_size, min_batch_timeout
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int) :: c_set_model_from_file
    end function
    function c_set_model_multigpu(client, name, name_len, model, model_len, backend, &
        backend_len, first_gpu, num_gpus, batch_size, min_batch_size, min_batch_timeout, tag, &
        tag_len, inputs, input_lens, n_inputs, outputs, output_lens, n_outputs) &
        bind(c, name="set_model_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), model(*), backend(*), tag(*)
      integer(c_size_t), value :: name_len, model_len, backend_len, tag_len
      integer(c_int), value :: first_gpu, num_gpus, batch_size, min_batch_size, min_batch_timeout
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int) :: c_set_model_multigpu
    end function
    function c_get_model(client, name, name_len, model_len, model) bind(c, name="get_model")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_size_t) :: model_len
      type(c_ptr) :: model
      integer(c_int) :: c_get_model
    end function
    function c_run_model(client, name, name_len, inputs, input_lens, n_inputs, outputs, &
        output_lens, n_outputs) bind(c, name="run_model")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int) :: c_run_model
    end function
    function c_run_model_inline(client, name, name_len, inputs, input_dims, input_n_dims, &
        input_types, n_inputs, outputs, output_dims, output_n_dims, output_types, n_outputs, &
        mem_layout) bind(c, name="run_model_inline")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr), intent(in) :: inputs(*), input_dims(*), outputs(*), output_dims(*)
      integer(c_size_t), intent(in) :: input_n_dims(*), output_n_dims(*)
      integer(c_int), intent(in) :: input_types(*), output_types(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int), value :: mem_layout
      integer(c_int) :: c_run_model_inline
    end function
    function c_run_model_multigpu(client, name, name_len, inputs, input_lens, n_inputs, outputs, &
        output_lens, n_outputs, offset, first_gpu, num_gpus) bind(c, name="run_model_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int), value :: offset, first_gpu, num_gpus
      integer(c_int) :: c_run_model_multigpu
    end function
    function c_delete_model(client, name, name_len) bind(c, name="delete_model")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_delete_model
    end function
    function c_delete_model_multigpu(client, name, name_len, first_gpu, num_gpus) &
        bind(c, name="delete_model_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: first_gpu, num_gpus
      integer(c_int) :: c_delete_model_multigpu
    end function
    function c_model_exists(client, name, name_len, exists) bind(c, name="model_exists")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      logical(c_bool) :: exists
      integer(c_int) :: c_model_exists
    end function
    function c_poll_model(client, name, name_len, freq_ms, tries, exists) bind(c, name="poll_model")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: freq_ms, tries
      logical(c_bool) :: exists
      integer(c_int) :: c_poll_model
    end function
    function c_set_model_chunk_size(client, chunk_size) bind(c, name="set_model_chunk_size")
      import :: c_int, c_ptr
      type(c_ptr), value :: client
      integer(c_int), value :: chunk_size
      integer(c_int) :: c_set_model_chunk_size
    end function

    ! ---- scripts
    function c_set_script(client, name, name_len, device, device_len, script, script_len) &
        bind(c, name="set_script")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), device(*), script(*)
      integer(c_size_t), value :: name_len, device_len, script_len
      integer(c_int) :: c_set_script
    end function
    function c_set_script_from_file(client, name, name_len, device, device_len, file, file_len) &
        bind(c, name="set_script_from_file")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), device(*), file(*)
      integer(c_size_t), value :: name_len, device_len, file_len
      integer(c_int) :: c_set_script_from_file
    end function
    function c_set_script_multigpu(client, name, name_len, script, script_len, first_gpu, &
        num_gpus) bind(c, name="set_script_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), script(*)
      integer(c_size_t), value :: name_len, script_len
      integer(c_int), value :: first_gpu, num_gpus
      integer(c_int) :: c_set_script_multigpu
    end function
    function c_get_script(client, name, name_len, script, script_len) bind(c, name="get_script")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: script
      integer(c_size_t) :: script_len
      integer(c_int) :: c_get_script
    end function
    function c_run_script(client, name, name_len, func, func_len, inputs, input_lens, n_inputs, &
        outputs, output_lens, n_outputs) bind(c, name="run_script")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), func(*)
      integer(c_size_t), value :: name_len, func_len
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int) :: c_run_script
    end function
    function c_run_script_multigpu(client, name, name_len, func, func_len, inputs, input_lens, &
        n_inputs, outputs, output_lens, n_outputs, offset, first_gpu, num_gpus) &
        bind(c, name="run_script_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*), func(*)
      integer(c_size_t), value :: name_len, func_len
      type(c_ptr), intent(in) :: inputs(*), outputs(*)
      integer(c_size_t), intent(in) :: input_lens(*), output_lens(*)
      integer(c_size_t), value :: n_inputs, n_outputs
      integer(c_int), value :: offset, first_gpu, num_gpus
      integer(c_int) :: c_run_script_multigpu
    end function
    function c_delete_script(client, name, name_len) bind(c, name="delete_script")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_delete_script
    end function
    function c_delete_script_multigpu(client, name, name_len, first_gpu, num_gpus) &
        bind(c, name="delete_script_multigpu")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: first_gpu, num_gpus
      integer(c_int) :: c_delete_script_multigpu
    end function

    ! ---- administration (one node, "host:port")
    function c_get_db_node_info(client, address, address_len, json, json_len) &
        bind(c, name="get_db_node_info")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: address(*)
      integer(c_size_t), value :: address_len
      type(c_ptr) :: json
      integer(c_size_t) :: json_len
      integer(c_int) :: c_get_db_node_info
    end function
    function c_get_db_cluster_info(client, address, address_len, json, json_len) &
        bind(c, name="get_db_cluster_info")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: address(*)
      integer(c_size_t), value :: address_len
      type(c_ptr) :: json
      integer(c_size_t) :: json_len
      integer(c_int) :: c_get_db_cluster_info
    end function
    function c_config_get(client, expr, expr_len, address, address_len, json, json_len) &
        bind(c, name="config_get")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: expr(*), address(*)
      integer(c_size_t), value :: expr_len, address_len
      type(c_ptr) :: json
      integer(c_size_t) :: json_len
      integer(c_int) :: c_config_get
    end function
    function c_config_set(client, param, param_len, value, value_len, address, address_len) &
        bind(c, name="config_set")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: param(*), value(*), address(*)
      integer(c_size_t), value :: param_len, value_len, address_len
      integer(c_int) :: c_config_set
    end function
    function c_flush_db(client, address, address_len) bind(c, name="flush_db")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: address(*)
      integer(c_size_t), value :: address_len
      integer(c_int) :: c_flush_db
    end function
    function c_save(client, address, address_len) bind(c, name="save")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: address(*)
      integer(c_size_t), value :: address_len
      integer(c_int) :: c_save
    end function
  end interface
end module insitu_c_models
